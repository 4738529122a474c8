import { SchemaMigration } from './schema-migration';

/**
 * People sign in to the console with a one-time link sent by email: the links (hashed, single
 * use, short-lived), and an expiry on API keys for the console credential a link is exchanged for.
 */
export class Migration012SignInLinks extends SchemaMigration {
  override up(): void {
    this.addSchema(
      this.getKnex().schema.createTable('sign_in_links', (table) => {
        table.string('id', 36).primary();
        table.string('user_id', 36).notNullable().references('id').inTable('users');
        table.string('token_hash', 64).notNullable().unique();
        table.timestamp('expires_at', { useTz: true }).notNullable();
        table.timestamp('used_at', { useTz: true }).nullable();
        table.timestamp('created_at', { useTz: true }).notNullable();
        table.index(['user_id', 'created_at']);
      }),
    );
    this.addSchema(
      this.getKnex().schema.alterTable('api_keys', (table) => {
        table.timestamp('expires_at', { useTz: true }).nullable();
      }),
    );
  }
}
