import type { Knex } from '@mikro-orm/knex';
import { SchemaMigration } from './schema-migration';

const NOTIFICATION_COLUMNS = [
  'id',
  'workspace_id',
  'connection_id',
  'recipient_id',
  'channel',
  'category',
  'idempotency_key',
  'subject',
  'body',
  'created_at',
  'sent_at',
  'read_at',
  'attempts',
  'last_error',
];

/**
 * When a connection's open incident was alerted on, named leases for work one instance does at
 * a time, workspace settings and people's preferences for notifications, email to addresses that are
 * not users (a Page's owner), daily digests, and signed webhooks with every attempt recorded.
 */
export class Migration005NotificationChannels extends SchemaMigration {
  override up(): void {
    const knex = this.getKnex();
    this.addSchema(
      knex.schema.alterTable('workspaces', (table) => {
        table.text('notification_settings').nullable();
      }),
    );
    this.addSchema(
      knex.schema.alterTable('users', (table) => {
        table.text('notification_preferences').nullable();
      }),
    );
    this.addSchema(
      knex.schema.alterTable('connections', (table) => {
        table.timestamp('alerted_at', { useTz: true }).nullable();
        // When the next reminder or follow-up step falls due: the notifier reads only due rows.
        table.timestamp('next_reminder_at', { useTz: true }).nullable();
        table.timestamp('next_follow_up_at', { useTz: true }).nullable();
        table.index(['next_reminder_at'], 'connections_next_reminder_at_index');
        table.index(['next_follow_up_at'], 'connections_next_follow_up_at_index');
      }),
    );
    // Connections that already have a hard expiry get their reminders worked out at once: any
    // past date says "due", and created_at is one in each database's own date format.
    this.addSql(
      'update connections set next_reminder_at = created_at where hard_expires_at is not null',
    );
    this.notificationsForAddresses(knex);
    this.addSchema(
      knex.schema.createTable('leases', (table) => {
        // Work one instance at a time does, by name; held until `expires_at_ms` (epoch ms).
        table.string('name', 64).primary();
        table.string('owner', 80).notNullable();
        table.bigInteger('expires_at_ms').notNullable();
      }),
    );
    this.addSchema(
      knex.schema.createTable('webhooks', (table) => {
        table.string('id', 36).primary();
        table.string('workspace_id', 36).notNullable().references('id').inTable('workspaces');
        table.text('url').notNullable();
        table.string('description', 200).nullable();
        table.text('events').notNullable();
        table.text('secret').notNullable();
        table.timestamp('created_at', { useTz: true }).notNullable();
        table.timestamp('deleted_at', { useTz: true }).nullable();
        table.index(['workspace_id']);
      }),
    );
    this.addSchema(
      knex.schema.createTable('webhook_deliveries', (table) => {
        table.string('id', 36).primary();
        table.string('webhook_id', 36).notNullable().references('id').inTable('webhooks');
        table.string('idempotency_key', 200).notNullable().unique();
        table.string('event_type', 64).notNullable();
        table.text('payload').notNullable();
        table.timestamp('created_at', { useTz: true }).notNullable();
        table.integer('attempts').notNullable().defaultTo(0);
        table.timestamp('next_attempt_at', { useTz: true }).nullable();
        table.timestamp('delivered_at', { useTz: true }).nullable();
        table.timestamp('failed_at', { useTz: true }).nullable();
        // Deliveries still to try are few; the sweep reads them through this.
        table.index(['next_attempt_at']);
        table.index(['webhook_id', 'created_at']);
      }),
    );
    this.addSchema(
      knex.schema.createTable('webhook_attempts', (table) => {
        table.string('id', 36).primary();
        table
          .string('delivery_id', 36)
          .notNullable()
          .references('id')
          .inTable('webhook_deliveries');
        table.timestamp('attempted_at', { useTz: true }).notNullable();
        table.integer('status_code').nullable();
        table.text('error').nullable();
        table.integer('duration_ms').notNullable();
        table.index(['delivery_id']);
      }),
    );
  }

  /**
   * Recipients may be an address instead of a user; email rows can wait for a digest, and an
   * email being sent is not tried again before its claim runs out.
   */
  private notificationsForAddresses(knex: Knex): void {
    const postgres = (knex.client as { dialect?: string }).dialect === 'postgresql';
    const addColumns = (table: Knex.AlterTableBuilder | Knex.CreateTableBuilder) => {
      table.string('address', 320).nullable();
      table.boolean('digest').notNullable().defaultTo(false);
      table.string('digest_id', 36).nullable();
      table.timestamp('next_attempt_at', { useTz: true }).nullable();
    };
    if (postgres) {
      this.addSchema(
        knex.schema.alterTable('notifications', (table) => {
          table.setNullable('recipient_id');
          addColumns(table);
        }),
      );
      return;
    }
    // SQLite cannot drop a NOT NULL in place: rebuild the table with the same name and indexes.
    this.addSchema(
      knex.schema.createTable('notifications_next', (table) => {
        table.string('id', 36).primary();
        table.string('workspace_id', 36).notNullable().references('id').inTable('workspaces');
        table.string('connection_id', 36).notNullable();
        table.string('recipient_id', 36).nullable().references('id').inTable('users');
        table.string('channel', 16).notNullable();
        table.string('category', 16).notNullable();
        table.string('idempotency_key', 200).notNullable();
        table.string('subject', 300).notNullable();
        table.text('body').notNullable();
        table.timestamp('created_at', { useTz: true }).notNullable();
        table.timestamp('sent_at', { useTz: true }).nullable();
        table.timestamp('read_at', { useTz: true }).nullable();
        table.integer('attempts').notNullable().defaultTo(0);
        table.text('last_error').nullable();
        addColumns(table);
      }),
    );
    const columns = NOTIFICATION_COLUMNS.map((column) => `\`${column}\``).join(', ');
    this.addSql(
      `insert into \`notifications_next\` (${columns}) select ${columns} from \`notifications\``,
    );
    this.addSchema(knex.schema.dropTable('notifications'));
    // knex types renameTable as a promise; it is a schema builder like the others.
    this.addSchema(
      knex.schema.renameTable(
        'notifications_next',
        'notifications',
      ) as unknown as Knex.SchemaBuilder,
    );
    this.addSchema(
      knex.schema.alterTable('notifications', (table) => {
        table.unique(['idempotency_key'], { indexName: 'notifications_idempotency_key_unique' });
        table.index(['recipient_id', 'created_at'], 'notifications_recipient_id_created_at_index');
        table.index(['channel', 'sent_at'], 'notifications_channel_sent_at_index');
      }),
    );
  }
}
