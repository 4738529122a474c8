import { Migration } from '@mikro-orm/migrations';

/**
 * The sweep's expiry pass asks for live connections past their hard expiry (to end them) and
 * for active ones close to it (to warn). On the plain `hard_expires_at` index both read every
 * connection in the range whatever its status, and expired, revoked and already-warned rows only
 * pile up there: at one million connections the two read 9,680 and 12,563 rows per sweep to find
 * none (0.7 s and 0.5 s on a loaded machine). Partial indexes hold only the rows each asks for;
 * both answer in under a millisecond there. The statuses are written out as they are today: a
 * migration does not follow later code. (Same SQL for SQLite and PostgreSQL.)
 */
export class Migration011LiveExpiry extends Migration {
  override up(): void {
    this.addSql(
      `create index "connections_live_hard_expiry_index" on "connections" ("hard_expires_at") where "status" in ('active', 'expiring', 'degraded')`,
    );
    this.addSql(
      `create index "connections_active_hard_expiry_index" on "connections" ("hard_expires_at") where "status" = 'active'`,
    );
  }
}
