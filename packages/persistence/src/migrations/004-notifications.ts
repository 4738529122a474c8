import { SchemaMigration } from './schema-migration';

/** Notifications with their idempotency keys, and which events were turned into them. */
export class Migration004Notifications extends SchemaMigration {
  override up(): void {
    this.addSchema(
      this.getKnex().schema.createTable('notifications', (table) => {
        table.string('id', 36).primary();
        table.string('workspace_id', 36).notNullable().references('id').inTable('workspaces');
        table.string('connection_id', 36).notNullable();
        table.string('recipient_id', 36).notNullable().references('id').inTable('users');
        table.string('channel', 16).notNullable();
        table.string('category', 16).notNullable();
        table.string('idempotency_key', 200).notNullable().unique();
        table.string('subject', 300).notNullable();
        table.text('body').notNullable();
        table.timestamp('created_at', { useTz: true }).notNullable();
        table.timestamp('sent_at', { useTz: true }).nullable();
        table.timestamp('read_at', { useTz: true }).nullable();
        table.integer('attempts').notNullable().defaultTo(0);
        table.text('last_error').nullable();
        table.index(['recipient_id', 'created_at']);
        table.index(['channel', 'sent_at']);
      }),
    );
    this.addSchema(
      this.getKnex().schema.alterTable('connections', (table) => {
        // Reminders look for hard expiries coming up across every workspace.
        table.index(['hard_expires_at'], 'connections_hard_expires_at_index');
      }),
    );
    this.addSchema(
      this.getKnex().schema.alterTable('connection_events', (table) => {
        table.timestamp('notified_at', { useTz: true }).nullable();
        // The notifier reads only events still waiting, which stay few.
        table.index(['notified_at'], 'connection_events_notified_at_index');
      }),
    );
  }
}
