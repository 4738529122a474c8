import { SchemaMigration } from './schema-migration';

/** When each grant next needs attention, and who is working on it. */
export class Migration003Lifecycle extends SchemaMigration {
  override up(): void {
    this.addSchema(
      this.getKnex().schema.alterTable('grants', (table) => {
        table.timestamp('next_refresh_at', { useTz: true }).nullable();
        table.timestamp('next_check_at', { useTz: true }).nullable();
        table.string('lease_owner', 80).nullable();
        table.timestamp('lease_expires_at', { useTz: true }).nullable();
        table.integer('failure_count').notNullable().defaultTo(0);
        table.boolean('refresh_outcome_unknown').notNullable().defaultTo(false);
        // The sweep reads only due rows through these.
        table.index(['next_refresh_at'], 'grants_next_refresh_at_index');
        table.index(['next_check_at'], 'grants_next_check_at_index');
      }),
    );
  }
}
