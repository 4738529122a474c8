import { SchemaMigration } from './schema-migration';

/**
 * Who must act is kept with what they are told: a network refusing the operator's own app
 * credentials is recorded per provider (since when, and the network's words) for the catalog,
 * and each feed entry says who must act (the owner, an account admin, the operator).
 */
export class Migration007CredentialRejections extends SchemaMigration {
  override up(): void {
    const knex = this.getKnex();
    this.addSchema(
      knex.schema.createTable('provider_credentials', (table) => {
        // The provider's configured id: one row per provider the network refused.
        table.string('provider', 100).primary();
        table.timestamp('rejected_at', { useTz: true }).notNullable();
        table.string('reason', 40).notNullable();
        table.text('message').nullable();
        // Where the refusal was met: the token endpoint, or an API call.
        table.string('seen_at', 20).notNullable();
        table.timestamp('updated_at', { useTz: true }).notNullable();
      }),
    );
    this.addSchema(
      knex.schema.alterTable('notifications', (table) => {
        table.string('actor', 20).nullable();
      }),
    );
  }
}
