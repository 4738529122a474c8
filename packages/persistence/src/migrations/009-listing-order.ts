import { SchemaMigration } from './schema-migration';

/**
 * Listing connections walks an index in its own order (newest first, then id) from the cursor
 * on: one for the whole workspace, one for the usual network and status filters. The old
 * (workspace_id, created_at) index is a prefix of the first.
 */
export class Migration009ListingOrder extends SchemaMigration {
  override up(): void {
    this.addSchema(
      this.getKnex().schema.alterTable('connections', (table) => {
        table.dropIndex(['workspace_id', 'created_at']);
        table.index(['workspace_id', 'created_at', 'id'], 'connections_listing_index');
        table.index(
          ['workspace_id', 'provider', 'status', 'created_at', 'id'],
          'connections_listing_by_network_status_index',
        );
      }),
    );
  }
}
