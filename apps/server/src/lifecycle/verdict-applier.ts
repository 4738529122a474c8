import type { EntityManager } from '@mikro-orm/core';
import { Inject, Injectable } from '@nestjs/common';
import { Connection, type Grant } from '@tether/persistence';
import {
  applyVerdict,
  isLive,
  isStormFailure,
  renewalTrigger,
  spreadRetry,
  type VerdictOutcome,
} from '@tether/core';
import type { ErrorClassification, RawResponse } from '@tether/provider-sdk';
import { Clock } from '../clock/clock';
import { recordEvent } from '../connections/audit-trail';
import { hasOwnToken } from '../connections/connection-state';
import { changeStatus } from '../connections/status-transition';
import { CredentialRejections } from '../providers/credential-rejections';
import { NetworkBreakers } from './network-breakers';

/** Where a failure was met. */
export type Occasion = 'refresh' | 'health check' | 'reported error';

/**
 * Writes what @tether/core decides about a classified failure: which connections of the grant
 * it reaches by its scope, how long to back off, which statuses change. One decision, one write.
 */
@Injectable()
export class VerdictApplier {
  constructor(
    private readonly credentials: CredentialRejections,
    private readonly breakers: NetworkBreakers,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /**
   * @param seenOn the connection whose own token or call met the failure; absent when it came
   *   from the grant's token.
   * @param response what the network answered, for the operator when it refused the app.
   */
  async apply(
    em: EntityManager,
    grant: Grant,
    verdict: ErrorClassification,
    during: Occasion,
    seenOn?: Connection,
    response?: RawResponse,
  ): Promise<VerdictOutcome> {
    const now = this.clock.now();
    // The operator's app was refused: the catalog says so until the network accepts it again.
    await this.credentials.refused(
      grant.provider,
      verdict,
      response,
      during === 'refresh' ? 'token_endpoint' : 'api',
    );
    // The account's own check counts its own failures; everything else counts the grant's.
    const own = seenOn && hasOwnToken(seenOn) && during !== 'refresh' ? seenOn : undefined;
    if (!isStormFailure(verdict)) await this.breakers.answered(grant.provider);
    else if (this.breakers.failed(grant.provider, grant.id, verdict)) {
      // The whole network is in a storm: this is its failure, not the grant's. Nothing counts
      // or degrades; the work is tried again when the breaker lets a probe out.
      const degradation = this.breakers.degradation(grant.provider)!;
      const retryAt = spreadRetry(new Date(degradation.until), Math.random());
      if (own) own.nextCheckAt = retryAt;
      else if (during === 'refresh') grant.nextRefreshAt = retryAt;
      else grant.nextCheckAt = retryAt;
      await em.flush();
      return { kind: 'record', reached: [] };
    }
    const connections = await em.find(Connection, { grant });
    const outcome = applyVerdict({
      verdict,
      connections: connections.map((connection) => ({
        id: connection.id,
        status: connection.status,
        hasOwnToken: hasOwnToken(connection),
      })),
      seenOn: seenOn?.id,
      failures: own ? own.failureCount : grant.failureCount,
      now,
      random: Math.random(),
    });
    const byId = new Map(connections.map((connection) => [connection.id, connection]));
    if (outcome.kind === 'record') {
      if (seenOn && verdict.scope === 'resource') {
        // About one post, board or video: nothing ends, but the trail keeps it.
        recordEvent(em, {
          workspaceId: seenOn.workspace.id,
          connectionId: seenOn.id,
          type: 'connection.error_reported',
          actor: 'system',
          at: now,
          data: { reason: verdict.reason, scope: verdict.scope, actor: verdict.actor, during },
        });
      }
      // The person's token ended though every account outlives it on its own token: stop
      // renewing and checking the grant; the accounts' own checks carry on.
      if (verdict.scope === 'grant' && !verdict.transient) {
        grant.nextRefreshAt = undefined;
        grant.nextCheckAt = undefined;
      }
      await em.flush();
      return outcome;
    }
    for (const change of outcome.changes) {
      changeStatus(em, byId.get(change.connectionId)!, change.trigger, {
        reason: verdict.reason,
        remedy: verdict.remedy,
        actor: 'system',
        at: now,
        data: {
          during,
          scope: verdict.scope,
          // Who must act: an operator problem is told to the workspace's admins only.
          actor: verdict.actor,
          ...(outcome.kind === 'back_off' ? { failures: outcome.failures } : {}),
        },
      });
    }
    if (outcome.kind === 'back_off') {
      if (own) {
        own.failureCount = outcome.failures;
        own.nextCheckAt = outcome.retryAt;
      } else {
        grant.failureCount = outcome.failures;
        if (during === 'refresh') grant.nextRefreshAt = outcome.retryAt;
        else grant.nextCheckAt = outcome.retryAt;
      }
    } else {
      for (const id of outcome.reached) byId.get(id)!.nextCheckAt = undefined;
      // The authorization itself ended, or nothing works with it any more: stop renewing it.
      if (verdict.scope === 'grant' || !connections.some((c) => isLive(c.status))) {
        grant.nextRefreshAt = undefined;
        grant.nextCheckAt = undefined;
      }
    }
    await em.flush();
    return outcome;
  }

  /**
   * Many grants were renewed together ({@link healthy} for each, in one write): their failures
   * are forgotten and `connections` (every connection of those grants) recover as they would.
   * The changes join `em`'s unit of work; the caller flushes.
   */
  async renewedMany(
    em: EntityManager,
    grants: readonly Grant[],
    connections: readonly Connection[],
  ): Promise<void> {
    const now = this.clock.now();
    const providers = new Set(grants.map((grant) => grant.provider));
    for (const provider of providers) await this.credentials.accepted(provider, 'token_endpoint');
    for (const grant of grants) grant.failureCount = 0;
    for (const connection of connections)
      if (!hasOwnToken(connection) || connection.failureCount === 0)
        changeStatus(em, connection, renewalTrigger(connection), { actor: 'system', at: now });
    for (const provider of providers) await this.breakers.answered(provider);
  }

  /**
   * A refresh or check succeeded: its failures are forgotten and the connections it speaks for
   * recover. A grant's success speaks for every connection except those whose own check is
   * failing; an account's own check speaks for that account.
   */
  async healthy(
    em: EntityManager,
    grant: Grant,
    trigger: 'works' | 'renewed',
    account?: Connection,
  ): Promise<void> {
    const now = this.clock.now();
    await this.credentials.accepted(
      grant.provider,
      trigger === 'renewed' ? 'token_endpoint' : 'api',
    );
    let recovered: Connection[];
    if (account) {
      account.failureCount = 0;
      recovered = [account];
    } else {
      grant.failureCount = 0;
      recovered = (await em.find(Connection, { grant })).filter(
        (connection) => !hasOwnToken(connection) || connection.failureCount === 0,
      );
    }
    for (const connection of recovered)
      changeStatus(
        em,
        connection,
        trigger === 'renewed' ? renewalTrigger(connection) : { type: trigger },
        { actor: 'system', at: now },
      );
    await em.flush();
    await this.breakers.answered(grant.provider);
  }
}
