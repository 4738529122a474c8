import { Migration } from '@mikro-orm/migrations';

/**
 * A migration written with knex's schema builder, so one file produces the right SQL for both
 * SQLite and PostgreSQL.
 */
export abstract class SchemaMigration extends Migration {
  /** Adds every statement a schema builder generates for the current dialect. */
  protected addSchema(builder: { toSQL(): { sql: string }[] | { sql: string } }): void {
    const statements = builder.toSQL();
    for (const statement of Array.isArray(statements) ? statements : [statements]) {
      this.addSql(statement.sql);
    }
  }
}
