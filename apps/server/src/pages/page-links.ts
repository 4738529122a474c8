import { Inject, Injectable } from '@nestjs/common';
import type { ConnectSession } from '@tether/persistence';
import { Clock } from '../clock/clock';
import { TETHER_CONFIG } from '../config/config.token';
import type { TetherConfig } from '../config/tether-config';
import { SignedLinks } from '../security/signed-links';

/** What a hosted connect page's link carries: the session it was made for and the networks it offers. */
export interface HostedConnect {
  readonly sessionId: string;
  readonly providers: readonly string[];
}

/**
 * Links to Tether's own pages, signed for what they open and valid for `TETHER_LINK_LIFETIME`,
 * which people follow without an API key.
 */
@Injectable()
export class PageLinks {
  constructor(
    private readonly links: SignedLinks,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(TETHER_CONFIG) private readonly config: TetherConfig,
  ) {}

  private expiry(): Date {
    return new Date(this.clock.now().getTime() + this.config.linkLifetimeSeconds * 1000);
  }

  /**
   * The link every reminder, alert and follow-up carries: the operator's own page when
   * `TETHER_REAUTHORIZE_URL` is set, otherwise Tether's reconnect page for that one connection.
   */
  reconnect(connectionId: string): string {
    const own = this.config.reauthorizeUrl;
    if (own) return own.replace('{connectionId}', encodeURIComponent(connectionId));
    return `${this.config.publicUrl}/reconnect/${this.links.sign('reconnect', connectionId, this.expiry())}`;
  }

  /** The hosted connect page of a session: the networks it offers, each one click away. */
  connect(session: ConnectSession, providers: readonly string[]): string {
    const hosted: HostedConnect = { sessionId: session.id, providers };
    return `${this.config.publicUrl}/connect/${this.links.sign('connect', JSON.stringify(hosted), this.expiry())}`;
  }
}
