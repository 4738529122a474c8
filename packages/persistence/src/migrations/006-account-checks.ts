import { SchemaMigration } from './schema-migration';

/**
 * Connections with their own token (a Facebook Page token) are health-checked with it, one by
 * one: when each is due next, and its own run of transient failures for backoff.
 */
export class Migration006AccountChecks extends SchemaMigration {
  override up(): void {
    this.addSchema(
      this.getKnex().schema.alterTable('connections', (table) => {
        table.timestamp('next_check_at', { useTz: true }).nullable();
        table.integer('failure_count').notNullable().defaultTo(0);
        // The sweep reads only due rows through it.
        table.index(['next_check_at'], 'connections_next_check_at_index');
      }),
    );
    // Connections that already hold their own token are checked with it at the next sweep: any
    // past date says "due", and created_at is one in each database's own date format.
    this.addSql(
      "update connections set next_check_at = created_at where access_token is not null and status in ('active', 'expiring', 'degraded')",
    );
  }
}
