import { SchemaMigration } from './schema-migration';

interface NamedRow {
  id: string;
  workspace_id: string;
  account_id: string;
  account_name: string;
  name: string;
  created_at: unknown;
  owner_name: string | null;
  subject_name: string;
}

/** A timestamp column as the driver returns it: a Date, epoch milliseconds or ISO text. */
function asDate(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value)))
    return new Date(Number(value));
  return new Date(String(value));
}

/** The default name connections used to get: the person and the minute they connected. */
function oldDefault(person: string, createdAt: Date): string {
  return `${person} ${createdAt.toISOString().slice(0, 16).replace('T', ' ')}`;
}

/**
 * Connections still named by the old default (`lena@example.com 2026-12-01 06:07`, the same for
 * every account of an authorization) take the account's own name, as new ones do. A name someone
 * chose is kept. The network's display name lives in its provider package, which a migration
 * cannot load, so where the account's name is not unique in the workspace the account id is
 * added instead (`Fischer Bakery (locations/4417…)`).
 */
export class Migration010AccountNames extends SchemaMigration {
  override async up(): Promise<void> {
    const knex = this.getKnex();
    const rows = (await this.execute(
      knex('connections as c')
        .join('grants as g', 'g.id', 'c.grant_id')
        .leftJoin('users as u', 'u.id', 'c.owner_id')
        .where('c.name', 'like', '% ____-__-__ __:__')
        .select(
          'c.id',
          'c.workspace_id',
          'c.account_id',
          'c.account_name',
          'c.name',
          'c.created_at',
          'u.name as owner_name',
          'g.subject_name',
        ),
    )) as NamedRow[];
    const renamed = rows.filter((row) => {
      const createdAt = asDate(row.created_at);
      return [row.owner_name, row.subject_name].some(
        (person) => person !== null && row.name === oldDefault(person, createdAt),
      );
    });
    if (renamed.length === 0) return;
    const held = (await this.execute(
      knex('connections')
        .whereIn('name', [...new Set(renamed.map((row) => row.account_name))])
        .select('workspace_id', 'name'),
    )) as { workspace_id: string; name: string }[];
    const taken = new Map<string, number>();
    const count = (workspace: string, name: string) => {
      const key = JSON.stringify([workspace, name]);
      taken.set(key, (taken.get(key) ?? 0) + 1);
    };
    for (const row of held) count(row.workspace_id, row.name);
    for (const row of renamed) count(row.workspace_id, row.account_name);
    for (const row of renamed) {
      const unique = taken.get(JSON.stringify([row.workspace_id, row.account_name])) === 1;
      this.addSql(
        knex('connections')
          .where({ id: row.id })
          .update({ name: unique ? row.account_name : `${row.account_name} (${row.account_id})` }),
      );
    }
  }
}
