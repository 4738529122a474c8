import { EntityManager } from '@mikro-orm/core';
import { Inject, Injectable } from '@nestjs/common';
import { Connection, type Grant } from '@tether/persistence';
import { isLive, nextCheckAt, renewableWithoutPerson } from '@tether/core';
import type { AccountKind, ErrorClassification, RawResponse } from '@tether/provider-sdk';
import { Clock } from '../clock/clock';
import { grantState, hasOwnToken } from '../connections/connection-state';
import { TokenVault } from '../connections/token-vault';
import { type ActiveProvider, ProviderRegistry } from '../providers/provider-registry';
import { GrantWork } from './grant-work';
import type { HeldLease } from './grant-lease';
import { probe } from './health-probe';
import { TokenRenewal } from './token-renewal';
import { VerdictApplier } from './verdict-applier';

/** What a check found: nothing to check with, a working token, or the verdict it applied. */
export type CheckOutcome =
  { readonly checked: false } | { readonly checked: true; readonly verdict?: ErrorClassification };

/**
 * Health checks: the grant's, with the person's token, for the connections that work with it;
 * and each account's, with its own token (a Facebook Page token), for that account. A failed
 * check of a renewable grant renews first: a token that merely ran out is not a revocation.
 */
@Injectable()
export class HealthChecks {
  constructor(
    private readonly em: EntityManager,
    private readonly registry: ProviderRegistry,
    private readonly vault: TokenVault,
    private readonly work: GrantWork,
    private readonly renewal: TokenRenewal,
    private readonly verdicts: VerdictApplier,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** Checks a connection now, with the token it works with: its own, else the grant's. */
  connection(connection: Connection): Promise<CheckOutcome> {
    return hasOwnToken(connection) ? this.account(connection.id) : this.grant(connection.grant.id);
  }

  /** Runs the grant's check. */
  async grant(grantId: string): Promise<CheckOutcome> {
    let outcome: CheckOutcome = { checked: false };
    await this.work.run(grantId, { kind: 'check' }, async (grant, em, held) => {
      outcome = await this.grantLeased(grant, em, held);
    });
    return outcome;
  }

  /** Runs one account's check with its own token. */
  account(connectionId: string): Promise<CheckOutcome> {
    return this.onAccount(connectionId, (grant, em) => this.accountLeased(grant, em, connectionId));
  }

  /** Runs work about one account under its grant's lease; not checked when the row is gone. */
  private async onAccount(
    connectionId: string,
    work: (grant: Grant, em: EntityManager) => Promise<CheckOutcome>,
  ): Promise<CheckOutcome> {
    const row = await this.em
      .fork()
      .findOne(Connection, { id: connectionId }, { fields: ['grant'] });
    if (!row) return { checked: false };
    let outcome: CheckOutcome = { checked: false };
    await this.work.run(
      row.grant.id,
      { kind: 'account check', connectionId },
      async (grant, em) => {
        outcome = await work(grant, em);
      },
    );
    return outcome;
  }

  private classify(active: ActiveProvider, response: RawResponse): ErrorClassification {
    return active.provider.classifyError(response, { now: this.clock.now() });
  }

  private async grantLeased(
    grant: Grant,
    em: EntityManager,
    held: HeldLease,
  ): Promise<CheckOutcome> {
    const active = this.registry.find(grant.provider);
    const tokens = this.vault.grantTokens(grant);
    const connections = await em.find(Connection, { grant });
    if (
      !active?.client ||
      !tokens ||
      !active.provider.healthCheck ||
      // Every account is checked with its own token; the person's token speaks for none of them.
      (connections.length > 0 && connections.every(hasOwnToken))
    ) {
      grant.nextCheckAt = undefined;
      await em.flush();
      return { checked: false };
    }
    grant.nextCheckAt = nextCheckAt(active.provider, this.clock.now());
    const result = (await probe(active, tokens))!;
    if (result.ok) {
      await this.verdicts.healthy(em, grant, 'works');
      return { checked: true };
    }
    let verdict = this.classify(active, result.response);
    if (
      renewableWithoutPerson(active.provider.refresh, grantState(grant)) &&
      (!verdict.transient || verdict.reason === 'access_token_expired')
    ) {
      // A token that merely ran out is renewed, not declared revoked.
      const renewal = await this.renewal.renew(grant, em, active, held);
      if (renewal.ok) {
        // The grant is alive; what the check says now is what counts.
        const again = (await probe(active, this.vault.grantTokens(grant)!))!;
        if (again.ok) return { checked: true };
        verdict = this.classify(active, again.response);
      } else if (renewal.error.classification.transient) {
        // The network could not answer the refresh: nothing is certain yet.
        verdict = renewal.error.classification;
      } else {
        // The refresh token is refused too: whose fault that is, the check may tell.
        verdict = renewal.refusedVerdict(verdict);
      }
    }
    await this.verdicts.apply(em, grant, verdict, 'health check', undefined, result.response);
    return { checked: true, verdict };
  }

  private async accountLeased(
    grant: Grant,
    em: EntityManager,
    connectionId: string,
  ): Promise<CheckOutcome> {
    const connection = await em.findOne(Connection, { id: connectionId, grant });
    if (!connection) return { checked: false };
    const active = this.registry.find(grant.provider);
    const tokens = this.vault.connectionTokens(connection);
    const now = this.clock.now();
    if (!active?.client || !tokens || !active.provider.healthCheck) {
      connection.nextCheckAt = undefined;
      await em.flush();
      return { checked: false };
    }
    const result = (await probe(active, tokens, {
      id: connection.accountId,
      // Stored from the provider's own discovery, so it is one of its kinds.
      kind: connection.accountKind as AccountKind,
    }))!;
    // An ended connection is checked when someone asks, not on a schedule.
    connection.nextCheckAt = isLive(connection.status)
      ? nextCheckAt(active.provider, now)
      : undefined;
    if (result.ok) {
      await this.verdicts.healthy(em, grant, 'works', connection);
      return { checked: true };
    }
    const verdict = this.classify(active, result.response);
    await this.verdicts.apply(em, grant, verdict, 'health check', connection, result.response);
    return { checked: true, verdict };
  }

  /**
   * Confirms what a reported error could not tell by itself: runs the check about this one
   * account (its role, its product access), with its own token where it has one, else the
   * grant's, and applies what the check finds. A check that passes changes nothing: it neither
   * ends the connection nor counts as a recovery, and leaves the schedules alone.
   */
  confirmAccount(connectionId: string): Promise<CheckOutcome> {
    return this.onAccount(connectionId, async (grant, em) => {
      const connection = await em.findOne(Connection, { id: connectionId, grant });
      const active = this.registry.find(grant.provider);
      const tokens = connection
        ? (this.vault.connectionTokens(connection) ?? this.vault.grantTokens(grant))
        : undefined;
      if (!connection || !active?.client || !tokens || !active.provider.healthCheck)
        return { checked: false };
      const result = (await probe(active, tokens, {
        id: connection.accountId,
        kind: connection.accountKind as AccountKind,
      }))!;
      if (result.ok) return { checked: true };
      const verdict = this.classify(active, result.response);
      await this.verdicts.apply(em, grant, verdict, 'health check', connection, result.response);
      return { checked: true, verdict };
    });
  }
}
