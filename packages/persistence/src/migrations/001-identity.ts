import { SchemaMigration } from './schema-migration';

/** Workspaces, users and API keys. Written with knex's schema builder so one file serves SQLite and PostgreSQL. */
export class Migration001Identity extends SchemaMigration {
  override up(): void {
    this.addSchema(
      this.getKnex().schema.createTable('workspaces', (table) => {
        table.string('id', 36).primary();
        table.string('name').notNullable();
        table.timestamp('created_at', { useTz: true }).notNullable();
      }),
    );
    this.addSchema(
      this.getKnex().schema.createTable('users', (table) => {
        table.string('id', 36).primary();
        table.string('workspace_id', 36).notNullable().references('id').inTable('workspaces');
        table.string('email').notNullable();
        table.string('name').notNullable();
        table.string('role', 16).notNullable();
        table.timestamp('created_at', { useTz: true }).notNullable();
        table.unique(['workspace_id', 'email']);
      }),
    );
    this.addSchema(
      this.getKnex().schema.createTable('api_keys', (table) => {
        table.string('id', 36).primary();
        table.string('workspace_id', 36).notNullable().references('id').inTable('workspaces');
        table.string('user_id', 36).nullable().references('id').inTable('users');
        table.string('name').notNullable();
        table.string('scope', 32).notNullable();
        table.string('key_hash', 64).notNullable().unique();
        table.string('key_prefix', 16).notNullable();
        table.timestamp('created_at', { useTz: true }).notNullable();
        table.timestamp('last_used_at', { useTz: true }).nullable();
        table.timestamp('revoked_at', { useTz: true }).nullable();
        table.index(['workspace_id']);
      }),
    );
  }
}
