import { SchemaMigration } from './schema-migration';

/** Grants, connections, connect sessions and the audit trail. */
export class Migration002Connections extends SchemaMigration {
  override up(): void {
    this.addSchema(
      this.getKnex().schema.createTable('grants', (table) => {
        table.string('id', 36).primary();
        table.string('workspace_id', 36).notNullable().references('id').inTable('workspaces');
        table.string('provider', 64).notNullable();
        table.string('subject_id').notNullable();
        table.string('subject_name').notNullable();
        table.text('access_token').nullable();
        table.text('refresh_token').nullable();
        table.text('token_secret').nullable();
        table.timestamp('access_token_expires_at', { useTz: true }).nullable();
        table.timestamp('refresh_token_expires_at', { useTz: true }).nullable();
        table.text('granted_scopes').notNullable();
        table.timestamp('last_refreshed_at', { useTz: true }).nullable();
        table.timestamp('created_at', { useTz: true }).notNullable();
        table.timestamp('updated_at', { useTz: true }).notNullable();
      }),
    );
    this.addSchema(
      this.getKnex().schema.createTable('connections', (table) => {
        table.string('id', 36).primary();
        table.string('workspace_id', 36).notNullable().references('id').inTable('workspaces');
        table.string('grant_id', 36).notNullable().references('id').inTable('grants');
        table.string('provider', 64).notNullable();
        table.string('account_id').notNullable();
        table.string('account_name').notNullable();
        table.string('account_kind', 32).notNullable();
        table.string('name').notNullable();
        table.string('owner_id', 36).nullable().references('id').inTable('users');
        table.text('shared_with').notNullable();
        table.string('status', 16).notNullable();
        table.string('reason', 32).nullable();
        table.text('remedy').nullable();
        table.text('missing_scopes').notNullable();
        table.text('access_token').nullable();
        table.timestamp('access_token_expires_at', { useTz: true }).nullable();
        table.timestamp('hard_expires_at', { useTz: true }).nullable();
        table.timestamp('created_at', { useTz: true }).notNullable();
        table.timestamp('updated_at', { useTz: true }).notNullable();
        table.unique(['workspace_id', 'provider', 'account_id']);
        table.index(['workspace_id', 'hard_expires_at']);
        table.index(['workspace_id', 'created_at']);
        table.index(['grant_id']);
      }),
    );
    this.addSchema(
      this.getKnex().schema.createTable('connect_sessions', (table) => {
        table.string('id', 36).primary();
        table.string('workspace_id', 36).notNullable().references('id').inTable('workspaces');
        table.string('provider', 64).notNullable();
        table.string('owner_id', 36).nullable().references('id').inTable('users');
        table.string('connection_id', 36).nullable();
        table.text('scopes').notNullable();
        table.text('return_to').nullable();
        table.string('mode', 16).notNullable();
        table.string('state_hash', 64).notNullable().unique();
        table.text('verifier').nullable();
        table.text('request_token').nullable();
        table.string('status', 16).notNullable();
        table.string('outcome', 64).nullable();
        table.text('outcome_detail').nullable();
        table.text('connection_ids').notNullable();
        table.timestamp('expires_at', { useTz: true }).notNullable();
        table.timestamp('completed_at', { useTz: true }).nullable();
        table.timestamp('created_at', { useTz: true }).notNullable();
      }),
    );
    this.addSchema(
      this.getKnex().schema.createTable('connection_events', (table) => {
        table.string('id', 36).primary();
        table.string('workspace_id', 36).notNullable().references('id').inTable('workspaces');
        table.string('connection_id', 36).notNullable();
        table.string('type', 64).notNullable();
        table.string('actor', 80).notNullable();
        table.text('data').notNullable();
        table.timestamp('created_at', { useTz: true }).notNullable();
        table.index(['connection_id', 'created_at']);
      }),
    );
  }
}
