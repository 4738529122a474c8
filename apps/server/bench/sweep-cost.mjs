// Measures what one sweep costs as the tables grow while the due work stays the same: the sweep
// (and the notifier after it) reads due rows through indexes, so its time should follow the 50 due
// grants, not N.
// Usage: pnpm --filter @tether/server bench:sweep   (builds first; embedded SQLite in a temp dir)
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
require('reflect-metadata');
const { loadConfig } = require('../dist/config/tether-config.js');
const { createApp } = require('../dist/create-app.js');
const { LifecycleSweep } = require('../dist/lifecycle/lifecycle.sweep.js');
const { NotifierService } = require('../dist/notifications/notifier.service.js');
const { MikroORM } = require('@mikro-orm/core');
const { JobQueue } = require('@tether/scheduler');

const SIZES = [1_000, 10_000, 100_000];
const DUE = 50;
const RUNS = 7;

async function measure(size) {
  const dir = mkdtempSync(join(tmpdir(), 'tether-bench-'));
  writeFileSync(join(dir, 'tether.config.json'), JSON.stringify({ providers: [] }));
  const config = loadConfig(
    {
      TETHER_DATA_DIR: join(dir, 'data'),
      TETHER_SANDBOX: 'false',
      TETHER_SWEEP_INTERVAL_SECONDS: '0',
      TETHER_ADMIN_KEY: 'b'.repeat(32),
    },
    dir,
  );
  const app = await createApp(config, { logger: false });
  await app.init();
  const connection = app.get(MikroORM).em.getConnection();
  const now = Date.now();
  const far = now + 30 * 24 * 3600 * 1000;
  for (let start = 0; start < size; start += 500) {
    const rows = [];
    for (let index = start; index < Math.min(size, start + 500); index += 1) {
      const due = index < DUE;
      const grantId = randomUUID();
      rows.push({
        grant: `('${grantId}', 'default', 'bench', 's${index}', 'n', '[]', ${due ? now - 1000 : far}, ${far}, 0, ${now}, ${now})`,
        connection: `('${randomUUID()}', 'default', '${grantId}', 'bench', 'a${index}', 'A', 'profile', 'A', '[]', 'active', '[]', ${far + 14 * 86_400_000}, ${far}, ${now}, ${now})`,
      });
    }
    await connection.execute(
      `insert into grants (id, workspace_id, provider, subject_id, subject_name, granted_scopes, next_refresh_at, next_check_at, failure_count, created_at, updated_at) values ${rows.map((row) => row.grant).join(',')}`,
    );
    // One connection per grant, each with a hard expiry whose next reminder is a month away.
    await connection.execute(
      `insert into connections (id, workspace_id, grant_id, provider, account_id, account_name, account_kind, name, shared_with, status, missing_scopes, hard_expires_at, next_reminder_at, created_at, updated_at) values ${rows.map((row) => row.connection).join(',')}`,
    );
  }
  const plan = await connection.execute(
    `explain query plan select id from grants where next_refresh_at <= ${now} and (lease_expires_at is null or lease_expires_at < ${now}) order by next_refresh_at limit 200`,
  );
  const reminderPlan = await connection.execute(
    `explain query plan select id from connections where next_reminder_at <= ${now} order by next_reminder_at limit 200`,
  );
  // The jobs the sweep hands out are not run: they would compete with the sweeps being timed.
  app.get(JobQueue).close();
  const sweep = app.get(LifecycleSweep);
  const notifier = app.get(NotifierService);
  const times = [];
  let enqueued = 0;
  for (let run = 0; run < RUNS; run += 1) {
    const started = performance.now();
    enqueued = await sweep.sweep(new Date(now));
    // The notifier runs on its own interval; it is timed with the sweep, as one pass of due work.
    await notifier.run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  await app.close();
  return {
    size,
    enqueued,
    median: times[Math.floor(RUNS / 2)],
    plan: plan.map((row) => row.detail).join('; '),
    reminderPlan: reminderPlan.map((row) => row.detail).join('; '),
  };
}

console.log(
  `sweep cost (refreshes, checks, expiries and the notifier) with ${DUE} due grants among N grants and N connections (embedded SQLite, median of ${RUNS} sweeps)`,
);
for (const size of SIZES) {
  const result = await measure(size);
  console.log(
    `${String(result.size).padStart(7)} grants: ${result.median.toFixed(2).padStart(7)} ms, ${result.enqueued} jobs handed out each; plan: ${result.plan}; reminders: ${result.reminderPlan}`,
  );
}
