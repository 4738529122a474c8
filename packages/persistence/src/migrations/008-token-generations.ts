import { SchemaMigration } from './schema-migration';

/**
 * Token writes are fenced and refreshes announced: each grant counts the token sets stored for
 * it (a save lands only on the generation its writer read), and a refresh is recorded before its
 * call goes out, until its answer is stored. An intent still recorded afterwards tells every
 * instance, after any crash, that the network may have rotated the refresh token already. It
 * replaces the flag that said the same for a lost answer only.
 */
export class Migration008TokenGenerations extends SchemaMigration {
  override up(): void {
    this.addSchema(
      this.getKnex().schema.alterTable('grants', (table) => {
        table.integer('token_generation').notNullable().defaultTo(0);
        table.timestamp('refresh_started_at', { useTz: true }).nullable();
      }),
    );
    // A refresh whose answer never came is exactly an intent that never completed.
    this.addSql(
      'update grants set refresh_started_at = updated_at where refresh_outcome_unknown = true',
    );
    this.addSql('alter table grants drop column refresh_outcome_unknown');
  }
}
