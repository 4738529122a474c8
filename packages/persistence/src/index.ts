export {
  ApiKey,
  ApiKeySchema,
  User,
  UserSchema,
  Workspace,
  WorkspaceSchema,
  ENTITY_SCHEMAS,
} from './entities';
export type { ApiKeyScope, UserRole } from './entities';
export { createOrmOptions, embeddedDatabaseFile, MIGRATIONS } from './orm-options';
export type { DatabaseSettings } from './orm-options';
