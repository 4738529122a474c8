import { EntityManager } from '@mikro-orm/core';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Connection, Grant } from '@tether/persistence';
import {
  type BreakerAdmission,
  breakerAdmission,
  breakerPhase,
  CLOSED_BREAKER,
  type NetworkBreaker,
  needsRefresh,
  nextBreaker,
  spreadRetry,
} from '@tether/core';
import type { ErrorClassification } from '@tether/provider-sdk';
import { Clock } from '../clock/clock';
import { grantState } from '../connections/connection-state';
import { loggableMessage } from '../logging/loggable-error';
import { ProviderRegistry } from '../providers/provider-registry';
import { LifecycleMetrics } from './lifecycle-metrics';

/** What the catalog and the metrics say of a network the breaker holds back. */
export interface NetworkDegradation {
  /** `open`: no calls until `until`; `half_open`: one probe at a time. */
  readonly breaker: 'open' | 'half_open';
  readonly since: string;
  /** When the next probe may go out. */
  readonly until: string;
  readonly reason: string;
}

/**
 * One circuit breaker per network, in this instance's memory (each instance of a distributed
 * deployment learns of a storm from its own calls). Lifecycle work asks it before calling
 * (`admit`) and tells it what the network answered (`failed`, `answered`); the rules are
 * `@tether/core`'s. When a network works again, the grants and accounts of it that were backing
 * off are retried within a few seconds instead of at the end of their backoff.
 */
@Injectable()
export class NetworkBreakers {
  private readonly logger = new Logger('Breaker');
  private readonly breakers = new Map<string, NetworkBreaker>();

  constructor(
    private readonly em: EntityManager,
    private readonly registry: ProviderRegistry,
    private readonly metrics: LifecycleMetrics,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  private of(provider: string): NetworkBreaker {
    return this.breakers.get(provider) ?? CLOSED_BREAKER;
  }

  /** Whether a call may go out now, without taking the probe: for callers deciding whether to try. */
  peek(provider: string): BreakerAdmission {
    return breakerAdmission(this.of(provider), this.clock.now());
  }

  /**
   * Whether a call may go out now. A `probe` admission is this caller's alone until it reports
   * what the network answered or calls `probeEnded`.
   */
  admit(provider: string): BreakerAdmission {
    const now = this.clock.now();
    const admission = breakerAdmission(this.of(provider), now);
    if (admission.kind === 'probe')
      this.breakers.set(provider, nextBreaker(this.of(provider), { type: 'probe_started' }, now));
    if (admission.kind === 'wait') this.metrics.callWithheld(provider);
    return admission;
  }

  /** The probe ended without reaching the network: the next caller may probe. */
  probeEnded(provider: string): void {
    const breaker = this.of(provider);
    if (breaker.state === 'open' && breaker.probing)
      this.breakers.set(provider, nextBreaker(breaker, { type: 'probe_ended' }, this.clock.now()));
  }

  /**
   * A failure an authorization met at the network. Returns whether the network is held back
   * now: then the failure is the network's, not the authorization's, and counts against no one.
   */
  failed(provider: string, source: string, verdict: ErrorClassification): boolean {
    const before = this.of(provider);
    const after = nextBreaker(
      before,
      {
        type: 'failure',
        source,
        reason: verdict.reason,
        retryAfterSeconds: verdict.retryAfterSeconds,
      },
      this.clock.now(),
    );
    this.breakers.set(provider, after);
    if (after.state === 'open' && (before.state === 'closed' || before.probing)) {
      this.metrics.breakerOpened(provider);
      this.logger.warn(
        `${provider} is held back until ${after.until.toISOString()} (${verdict.reason})`,
      );
    }
    return after.state === 'open';
  }

  /** The network answered (anything but a storm failure). Closing retries what backed off. */
  async answered(provider: string): Promise<void> {
    const before = this.of(provider);
    const after = nextBreaker(before, { type: 'answer' }, this.clock.now());
    this.breakers.set(provider, after);
    if (before.state === 'open' && after.state === 'closed') {
      this.logger.log(`${provider} answers again`);
      await this.retryBackedOff(provider);
    }
  }

  /** The network's degradation as operators see it, or `undefined` while it is not held back. */
  degradation(provider: string): NetworkDegradation | undefined {
    const breaker = this.of(provider);
    if (breaker.state === 'closed') return undefined;
    return {
      breaker: breakerPhase(breaker, this.clock.now()) === 'open' ? 'open' : 'half_open',
      since: breaker.since.toISOString(),
      until: breaker.until.toISOString(),
      reason: breaker.reason,
    };
  }

  /** Every network's breaker phase, for the metrics. */
  phases(): { provider: string; phase: ReturnType<typeof breakerPhase> }[] {
    const now = this.clock.now();
    return this.registry
      .list()
      .map((active) => ({ provider: active.id, phase: breakerPhase(this.of(active.id), now) }));
  }

  /**
   * Brings forward the next attempt of every grant and account of the network that failed
   * before (their backoff may have grown long during the storm), spread over a few seconds. A
   * renewal is brought forward only when it is due, so nothing is renewed early.
   */
  private async retryBackedOff(provider: string): Promise<void> {
    const active = this.registry.find(provider);
    if (!active) return;
    const now = this.clock.now();
    const sooner = (at: Date | undefined) => {
      const retry = spreadRetry(now, Math.random());
      return at && at > retry ? retry : at;
    };
    try {
      const em = this.em.fork();
      for (const grant of await em.find(Grant, { provider, failureCount: { $gt: 0 } })) {
        grant.nextCheckAt = sooner(grant.nextCheckAt);
        if (needsRefresh(active.provider.refresh, grantState(grant), now))
          grant.nextRefreshAt = sooner(grant.nextRefreshAt);
      }
      for (const connection of await em.find(Connection, {
        provider,
        failureCount: { $gt: 0 },
      }))
        connection.nextCheckAt = sooner(connection.nextCheckAt);
      await em.flush();
    } catch (error) {
      // The backoffs stay as they were: slower, but nothing is lost.
      this.logger.error(`Retrying ${provider} after its storm failed: ${loggableMessage(error)}`);
    }
  }
}
