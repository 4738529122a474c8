import { createHash } from 'node:crypto';
import type { Connection, NotificationCategory } from '@tether/persistence';
import type { Actor, Provider } from '@tether/provider-sdk';
import type { ProviderRegistry } from '../providers/provider-registry';
import type { Message } from './email-templates';
import type { WebhookEventType } from './webhook-sender.service';

/**
 * Connections of one authorization told about together, because the same thing happened to
 * each of them; the first is the one the notice is about.
 */
export type Accounts = readonly [Connection, ...Connection[]];

/** One message about some accounts, before it is fanned out to its recipients. */
export interface Notice {
  readonly category: NotificationCategory;
  /**
   * The incident and step it tells of; with the recipient and channel appended it is each
   * row's idempotency key, so the same notice is never stored twice.
   */
  readonly key: string;
  readonly message: Message;
  /** Who must act on it, kept with each feed entry; absent when nobody must (a recovery). */
  readonly actor?: Actor;
  /**
   * Who hears of it: `everyone` (the accounts' owners, the workspace's admins, the addresses the
   * workspace named for the provider) or `admins` only, for the operator's problems.
   */
  readonly audience?: 'everyone' | 'admins';
  /** What webhook receivers are told: the event and its details. */
  readonly event: {
    readonly type: WebhookEventType;
    readonly details: Readonly<Record<string, unknown>>;
  };
}

/** The loaded provider a connection belongs to; absent while its package is not loaded. */
export function loadedProvider(
  registry: ProviderRegistry,
  connection: Connection,
): Provider | undefined {
  return registry.list().find((active) => active.id === connection.provider)?.provider;
}

/** The network's name as people know it (`LinkedIn`), or its id when it is not loaded. */
export function networkName(registry: ProviderRegistry, connection: Connection): string {
  return loadedProvider(registry, connection)?.displayName ?? connection.provider;
}

/** A short, stable stand-in for a longer value (an address, a list of ids) inside a key. */
export function keyPart(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 16);
}
