import {
  ChangeSetType,
  type EventSubscriber,
  type FlushEventArgs,
  MikroORM,
  type TransactionEventArgs,
} from '@mikro-orm/core';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { Connection, ConnectionEvent } from '@tether/persistence';

/** Events an operator should notice: a connection stopped working, for now or for good. */
const WARNINGS = new Set(['connection.degraded', 'connection.revoked', 'connection.expired']);

/** One log line's fields. */
type EventLine = Record<string, unknown> & { event: string };

/**
 * One log line per connection event (refreshed, degraded, revoked with its reason, recovered,
 * expired…), written once the event is stored. Every event goes through the audit trail, so
 * the lines are taken from what a flush wrote, not from each caller: a line means the event
 * happened, and an event whose transaction rolls back is never logged.
 */
@Injectable()
export class ConnectionEventLog implements EventSubscriber, OnModuleInit {
  private readonly logger = new Logger('Lifecycle');
  /** Lines of events written inside a transaction not yet committed, by transaction. */
  private readonly pending = new Map<unknown, EventLine[]>();

  constructor(private readonly orm: MikroORM) {}

  onModuleInit(): void {
    this.orm.em.getEventManager().registerSubscriber(this);
  }

  afterFlush({ em, uow }: FlushEventArgs): void {
    const lines = [...uow.getChangeSets()]
      .filter((change) => change.type === ChangeSetType.CREATE)
      .map((change) => change.entity)
      .filter((entity) => entity instanceof ConnectionEvent)
      .map((event) => {
        const connection = uow.getById<Connection>(Connection.name, event.connectionId);
        return lineOf(event, connection?.provider);
      });
    if (lines.length === 0) return;
    if (!em.isInTransaction()) return this.write(lines);
    const transaction: unknown = em.getTransactionContext();
    this.pending.set(transaction, [...(this.pending.get(transaction) ?? []), ...lines]);
  }

  afterTransactionCommit({ transaction }: TransactionEventArgs): void {
    this.write(this.pending.get(transaction) ?? []);
    this.pending.delete(transaction);
  }

  afterTransactionRollback({ transaction }: TransactionEventArgs): void {
    this.pending.delete(transaction);
  }

  private write(lines: readonly EventLine[]): void {
    for (const line of lines) {
      if (WARNINGS.has(line.event)) this.logger.warn(line);
      else this.logger.log(line);
    }
  }
}

/** The fields of an event worth a line: ids, the status change and its reason; never free text. */
function lineOf(event: ConnectionEvent, provider: string | undefined): EventLine {
  const data = JSON.parse(event.data) as { from?: unknown; to?: unknown; reason?: unknown };
  const reason = typeof data.reason === 'string' ? data.reason : undefined;
  return {
    event: event.type,
    connectionId: event.connectionId,
    workspaceId: event.workspace.id,
    ...(provider ? { provider } : {}),
    ...(typeof data.from === 'string' ? { from: data.from } : {}),
    ...(typeof data.to === 'string' ? { status: data.to } : {}),
    ...(reason ? { reason } : {}),
    actor: event.actor,
    msg: `Connection ${event.connectionId} ${event.type.replace('connection.', '').replace('_', ' ')}${reason ? ` (${reason})` : ''}`,
  };
}
