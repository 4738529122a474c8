import { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { type CredentialUse, credentialsAcceptedBy, isOperatorProblem } from '@tether/core';
import { ProviderCredentials } from '@tether/persistence';
import {
  type ErrorClassification,
  type RawResponse,
  readArray,
  readRecord,
  readText,
} from '@tether/provider-sdk';
import { Clock } from '../clock/clock';

const MESSAGE_LIMIT = 500;

/** What the catalog says of a refusal: since when, why, and the network's words. */
export interface CredentialRejection {
  readonly since: string;
  readonly reason: string;
  readonly message: string | null;
}

/**
 * The network's own words about a refusal, wherever its body puts them: RFC 6749
 * `error_description`, Graph `error.message`, `message`, LinkedIn `serviceErrorCode` bodies,
 * `errors[0].message`, or a plain-text body. Never a token: only what the network said.
 */
function networkMessage(response: RawResponse | undefined): string | undefined {
  if (!response) return undefined;
  const { body } = response;
  const text =
    typeof body === 'string'
      ? body.trim() || undefined
      : (readText(body, 'error_description') ??
        readText(readRecord(body, 'error'), 'message') ??
        readText(body, 'message') ??
        readText(readArray(body, 'errors')[0], 'message') ??
        readText(body, 'error'));
  return text?.slice(0, MESSAGE_LIMIT);
}

/**
 * The networks' refusals of the operator's own app credentials, per provider, for the catalog
 * (`credentials: "rejected"`). A refusal is recorded where an operator problem is met and kept
 * with its first moment; it is cleared when the network accepts the credentials again (see
 * `credentialsAcceptedBy`).
 */
@Injectable()
export class CredentialRejections {
  private readonly logger = new Logger('Providers');

  constructor(
    private readonly em: EntityManager,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  private table() {
    return (this.em as SqlEntityManager).getKnex()('provider_credentials');
  }

  /** Records an operator problem the network answered; other verdicts are not about the app. */
  async refused(
    provider: string,
    verdict: ErrorClassification,
    response: RawResponse | undefined,
    seenAt: CredentialUse,
  ): Promise<void> {
    if (!isOperatorProblem(verdict)) return;
    const now = this.clock.now();
    const message = networkMessage(response) ?? null;
    // Several instances may meet the same refusal at once: the first moment stays.
    await this.table()
      .insert({
        provider,
        rejected_at: now,
        reason: verdict.reason,
        message,
        seen_at: seenAt,
        updated_at: now,
      })
      .onConflict('provider')
      .merge(['reason', 'message', 'seen_at', 'updated_at']);
    this.logger.warn(`${provider} refused the app credentials (${verdict.reason})`);
  }

  /** The network accepted the credentials at `succeededAt`: a refusal it disproves goes. */
  async accepted(provider: string, succeededAt: CredentialUse): Promise<void> {
    const uses: CredentialUse[] = ['token_endpoint', 'api'];
    const cleared = uses.filter((use) => credentialsAcceptedBy(use, succeededAt));
    await this.table().where({ provider }).whereIn('seen_at', cleared).delete();
  }

  /** Every provider's standing refusal, by provider id. */
  async all(): Promise<ReadonlyMap<string, CredentialRejection>> {
    const rows = await this.em.fork().find(ProviderCredentials, {});
    return new Map(
      rows.map((row) => [
        row.provider,
        { since: row.rejectedAt.toISOString(), reason: row.reason, message: row.message ?? null },
      ]),
    );
  }
}
