export {
  ApiKey,
  Connection,
  ConnectionEvent,
  ConnectSession,
  ENTITY_SCHEMAS,
  Grant,
  Notification,
  ProviderCredentials,
  User,
  Webhook,
  WebhookAttempt,
  WebhookDelivery,
  Workspace,
} from './entities';
export type {
  ApiKeyScope,
  ConnectionStatus,
  ConnectSessionStatus,
  NotificationCategory,
  UserRole,
} from './entities';
export { createOrmOptions, embeddedDatabaseFile, MIGRATIONS } from './orm-options';
export type { DatabaseSettings } from './orm-options';
export { namedLease, rowLease } from './lease';
export type { Leasable, Lease } from './lease';
