// The scenarios of issue 13. Each returns its figures and the problems found (a wrong result:
// a grant refreshed twice or never, a token read that failed, an inconsistent listing).
import { load, paced, serverView, summary } from './limits.mjs';
import { server } from './server-modules.mjs';

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * (1) The sweep, run in this process on the built server's own `LifecycleSweep` against the
 * seeded database, its jobs not run (they would compete with the sweeps being timed): with none
 * due, and the time to hand out `due` grants made due among the N.
 */
export async function sweep({ database, env, cwd, due, runs, liveIds }) {
  server('reflect-metadata');
  const { loadConfig } = server('./dist/config/tether-config.js');
  const { createApp } = server('./dist/create-app.js');
  const { LifecycleSweep } = server('./dist/lifecycle/lifecycle.sweep.js');
  const { NotifierService } = server('./dist/notifications/notifier.service.js');
  const { JobQueue } = server('@tether/scheduler');
  // The in-process queue, closed: the jobs handed out are counted, not run.
  const { REDIS_URL: _queue, ...embedded } = env;
  const config = loadConfig({ ...embedded, TETHER_SWEEP_INTERVAL_SECONDS: '0', PORT: '0' }, cwd);
  const app = await createApp(config, { logger: false });
  await app.init();
  app.get(JobQueue).close();
  const sweeper = app.get(LifecycleSweep);
  const notifier = app.get(NotifierService);
  const problems = [];
  const idle = [];
  const notices = [];
  for (let run = 0; run < runs; run += 1) {
    let started = performance.now();
    const handedOut = await sweeper.sweep();
    idle.push(performance.now() - started);
    if (handedOut !== 0) problems.push(`a sweep with nothing due handed out ${handedOut} jobs`);
    // The notifier's pass over due reminders and events runs on its own interval; timed apart.
    started = performance.now();
    await notifier.run();
    notices.push(performance.now() - started);
  }
  const drain = [];
  // Any grant but the live ones: their jobs are never run, and each gets its own due time back.
  const chosen = await database.dueCandidates(liveIds, due);
  if (chosen.length < due) problems.push(`only ${chosen.length} grants can be made due`);
  const ids = chosen.map((r) => r.id);
  for (let run = 0; run < Math.max(1, Math.floor(runs / 2)); run += 1) {
    await database.makeDue(ids);
    const started = performance.now();
    const handedOut = await sweeper.sweep();
    drain.push(performance.now() - started);
    const left = await database.countDue(ids);
    if (handedOut !== ids.length || left !== 0)
      problems.push(`one sweep handed out ${handedOut} of ${ids.length} due grants, ${left} left`);
  }
  // Back to their own schedule, so the later scenarios see no due work but their own.
  await database.restoreDue(chosen);
  await app.close();
  return {
    figures: {
      noneDueMs: median(idle),
      notifierMs: median(notices),
      dueHandOutMs: median(drain),
      due,
      runs,
    },
    problems,
  };
}

/**
 * (2, 5, 6) Makes the live X grants due and waits until every one holds its next token
 * generation, with one or more running servers. Checks at the simulator that each refresh token
 * was spent exactly once and that no other refresh happened, and at the database that each grant
 * advanced exactly one generation and stayed active.
 */
export async function refreshRun({ database, simulator, servers, liveIds, cipher, timeoutMs }) {
  await simulator.forget();
  const problems = [];
  const before = await database.tokens(liveIds);
  const expected = new Set(
    before.map((r) => cipher.decrypt(r.refreshToken, `grants:${r.id}:refresh_token`)),
  );
  const rssBefore = servers.map((s) => s.rssMb());
  const rssMax = [...rssBefore];
  // On SQLite the database works inside the server process, counted in its CPU.
  const databaseCpuSeconds = database.cpuSeconds ?? (() => 0);
  const cpu0 = {
    servers: servers.map((s) => s.cpuSeconds()),
    simulator: simulator.cpuSeconds(),
    database: databaseCpuSeconds(),
  };
  const started = performance.now();
  await database.ageTokens(liveIds);
  let done = 0;
  while (performance.now() - started < timeoutMs) {
    done = await database.countAdvanced(before);
    servers.forEach((s, i) => (rssMax[i] = Math.max(rssMax[i], s.rssMb())));
    if (done === before.length) break;
    await sleep(100);
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = {
    servers: servers.map((s, i) => s.cpuSeconds() - cpu0.servers[i]),
    simulator: simulator.cpuSeconds() - cpu0.simulator,
    database: databaseCpuSeconds() - cpu0.database,
  };
  if (done < before.length)
    problems.push(`${before.length - done} of ${before.length} due grants not refreshed in time`);
  // Late duplicates would show up here, after the last grant was stored.
  await sleep(1_000);
  const rssAfter = servers.map((s) => s.rssMb());
  const { perToken, failed } = await simulator.tokenCalls();
  let twice = 0;
  let never = 0;
  for (const token of expected) {
    const calls = perToken[token] ?? 0;
    if (calls === 0) never += 1;
    if (calls > 1) twice += 1;
  }
  const others = Object.keys(perToken).filter((token) => !expected.has(token)).length;
  if (twice > 0) problems.push(`${twice} refresh tokens were sent more than once`);
  if (never > 0 && done === before.length)
    problems.push(`${never} grants advanced without a refresh at the simulator`);
  if (others > 0) problems.push(`${others} refresh tokens outside the due set were sent`);
  if (failed > 0) problems.push(`${failed} refresh calls failed at the simulator`);
  const after = await database.refreshOutcome(before);
  if (after.once !== before.length)
    problems.push(`${before.length - after.once} grants did not advance exactly one generation`);
  if (after.notActive > 0)
    problems.push(`${after.notActive} refreshed connections are no longer active`);
  return {
    figures: {
      due: before.length,
      seconds,
      rate: done / seconds,
      serverCpuMsPerRefresh: (cpu.servers.reduce((a, b) => a + b, 0) * 1000) / Math.max(1, done),
      serverCpuShare: cpu.servers.map((c) => c / seconds),
      simulatorCpuShare: cpu.simulator / seconds,
      ...(database.cpuSeconds ? { postgresCpuShare: cpu.database / seconds } : {}),
      rssBeforeMb: rssBefore,
      rssMaxMb: rssMax,
      rssAfterMb: rssAfter,
    },
    problems,
  };
}

/** Connections whose tokens are fresh (no refresh on read), with the access token each holds. */
export async function freshConnections(database, { count, liveIds }) {
  return (await database.freshConnections(liveIds, count)).map((r) => ({
    id: r.id,
    accessToken: `bench-at-${r.subject_id.slice(8)}`,
  }));
}

/**
 * (3) `GET /connections/{id}/token`: every sampled read checked, then its peak rate and its
 * latency at 500 requests/s, against `GET /health`'s peak in the same run.
 */
/**
 * Token reads at an even 500 per second (see `paced`), with what the server saw of them (see
 * `serverView`): the measure of the p99 target.
 */
export async function pacedTokenReads({ url, headers, connections, seconds }) {
  const seen = await serverView(url, '/api/v1/connections/:id/token');
  const steady = await paced({
    url,
    headers,
    rate: 500,
    seconds,
    path: (index) => `/api/v1/connections/${connections[index % connections.length].id}/token`,
  });
  const server = await seen();
  return {
    failed: steady.failed,
    figures: {
      fixedRate: steady.rate,
      fixedP50Ms: steady.p50,
      fixedP99Ms: steady.p99,
      fixedGeneratorDelayP99Ms: steady.generatorDelayP99Ms,
      fixedServerWithin10ms: server.within10ms,
      fixedServerP99AtMostMs: server.p99AtMostMs,
      fixedServerLoopDelayP99Ms: server.loopDelayP99Ms,
      fixedServerLoopDelayMaxMs: server.loopDelayMaxMs,
      fixedServerMinorGc: server.minorGc,
      fixedServerMajorGc: server.majorGc,
    },
  };
}

export async function tokenReads({ url, adminKey, connections, seconds, checked, cpuSeconds }) {
  const headers = { authorization: `Bearer ${adminKey}` };
  const problems = [];
  for (const connection of connections.slice(0, checked)) {
    const response = await fetch(`${url}/api/v1/connections/${connection.id}/token`, { headers });
    const body = await response.json();
    if (response.status !== 200 || body.accessToken !== connection.accessToken)
      problems.push(
        `token read of ${connection.id} answered ${response.status} ${body.code ?? ''}`,
      );
  }
  let next = 0;
  const tokenRequest = {
    method: 'GET',
    setupRequest: (request) => ({
      ...request,
      path: `/api/v1/connections/${connections[(next += 1) % connections.length].id}/token`,
    }),
  };
  const health = summary(await load({ url: `${url}/health`, connections: 50, duration: seconds }));
  const cpuBefore = cpuSeconds();
  const peakRun = await load({
    url,
    headers,
    connections: 50,
    duration: seconds,
    requests: [tokenRequest],
  });
  const peak = summary(peakRun);
  // Server CPU per answered read at peak: what a read costs, whatever else runs on the machine.
  const serverCpuMsPerRead = ((cpuSeconds() - cpuBefore) * 1000) / Math.max(1, peakRun['2xx']);
  // 500 requests/s two ways: evenly spaced (the target's measure) and as autocannon offers it,
  // each second's share sent at once by its 50 connections (a burst, shown for comparison).
  const steady = await pacedTokenReads({ url, headers, connections, seconds });
  const burst = summary(
    await load({
      url,
      headers,
      connections: 50,
      overallRate: 500,
      duration: seconds,
      requests: [tokenRequest],
    }),
  );
  if (steady.failed > 0) problems.push(`steady: ${steady.failed} requests failed`);
  for (const [name, result] of Object.entries({ health, peak, burst })) {
    if (result.non2xx > 0 || result.errors > 0)
      problems.push(`${name}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  }
  return {
    figures: {
      healthPeak: health.rate,
      tokenPeak: peak.rate,
      tokenPeakP99Ms: peak.p99,
      serverCpuMsPerRead,
      ...steady.figures,
      burstRate: burst.rate,
      burstP99Ms: burst.p99,
    },
    problems,
  };
}

/**
 * (4) Listing with status and network filters: the first page and page `depth` (or the last
 * there is), each timed `samples` times. The walk checks that pages are consistent: newest first,
 * no row twice, every row matching the filters, and (when it reaches the end) every matching row.
 */
export async function listing({ url, adminKey, database, provider, status, depth, samples }) {
  const headers = { authorization: `Bearer ${adminKey}` };
  const base = `${url}/api/v1/connections?provider=${provider}&status=${status}&limit=50`;
  const problems = [];
  const seen = new Set();
  let previous;
  let cursor;
  let page = 0;
  let deepUrl = base;
  for (;;) {
    const pageUrl = cursor ? `${base}&cursor=${encodeURIComponent(cursor)}` : base;
    const response = await fetch(pageUrl, { headers });
    if (response.status !== 200) {
      problems.push(`listing page ${page + 1} answered ${response.status}`);
      break;
    }
    const body = await response.json();
    page += 1;
    deepUrl = pageUrl;
    for (const row of body.data) {
      const key = `${row.createdAt} ${row.id}`;
      if (seen.has(row.id)) problems.push(`connection ${row.id} listed twice`);
      if (row.provider !== provider || row.status !== status)
        problems.push(`connection ${row.id} does not match the filters`);
      if (previous !== undefined && key > previous) problems.push(`page ${page} is out of order`);
      seen.add(row.id);
      previous = key;
    }
    cursor = body.nextCursor;
    if (!cursor || page >= depth) break;
  }
  if (!cursor) {
    const total = await database.countListed(provider, status);
    if (total !== seen.size) problems.push(`the pages listed ${seen.size} of ${total} connections`);
  }
  const time = async (pageUrl) => {
    const times = [];
    for (let sample = 0; sample < samples; sample += 1) {
      const started = performance.now();
      const response = await fetch(pageUrl, { headers });
      await response.arrayBuffer();
      times.push(performance.now() - started);
    }
    return { p50: percentile(times, 50), p99: percentile(times, 99) };
  };
  const first = await time(base);
  const deep = await time(deepUrl);
  return {
    figures: {
      filter: `${provider}/${status}`,
      deepPage: page,
      firstP50Ms: first.p50,
      firstP99Ms: first.p99,
      deepP50Ms: deep.p50,
      deepP99Ms: deep.p99,
    },
    problems,
  };
}
