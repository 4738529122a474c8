export {
  ApiKey,
  Connection,
  ConnectionEvent,
  ConnectSession,
  Grant,
  SignInLink,
  User,
  Workspace,
} from './entities';
export type { ApiKeyScope, ConnectionStatus, ConnectSessionStatus, UserRole } from './entities';
export {
  Notification,
  ProviderCredentials,
  Webhook,
  WebhookAttempt,
  WebhookDelivery,
} from './notification-entities';
export type { NotificationCategory } from './notification-entities';
export { createOrmOptions, embeddedDatabaseFile, MIGRATIONS } from './orm-options';
export type { DatabaseSettings } from './orm-options';
export { namedLease, rowLease } from './lease';
export type { Leasable, Lease } from './lease';
export { isDatabaseUnreachable } from './database-unreachable';
export { claimDue } from './due-claim';
export type { DueWork } from './due-claim';
export { fencedUpdateMany, leaseRows, releaseRows } from './row-batches';
export type { FencedWrite } from './row-batches';
