// The physical limits each figure is compared with, measured in the same run.
import autocannon from 'autocannon';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Runs autocannon and resolves with its result. */
export function load(options) {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/** Requests per second autocannon saw answered with 2xx, and its latency percentiles. */
export function summary(result) {
  return {
    rate: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/**
 * GET requests at an even `rate` per second for `seconds`, open loop: each request is sent at
 * its scheduled time whether or not earlier ones have answered, and its latency counts from that
 * time, so a stall shows as the delay every request behind it saw. (autocannon's `overallRate`
 * sends each connection's share of a second back to back at the start of the second, which
 * measures a burst of 50 concurrent requests, not a steady rate.)
 */
export async function paced({ url, headers, rate, seconds, path }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const target = new URL(url);
  const latencies = [];
  let failed = 0;
  const send = (scheduled, index) =>
    new Promise((resolve) => {
      const request = http.get(
        { host: target.hostname, port: target.port, path: path(index), headers, agent },
        (response) => {
          response.resume();
          response.on('end', () => {
            if (response.statusCode === 200) latencies.push(performance.now() - scheduled);
            else failed += 1;
            resolve();
          });
        },
      );
      request.on('error', () => {
        failed += 1;
        resolve();
      });
    });
  // How late this generator's own event loop ran: a late generator counts its lateness as latency.
  const ownDelay = monitorEventLoopDelay({ resolution: 5 });
  ownDelay.enable();
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const start = performance.now();
  const pending = [];
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
    for (; sent < due; sent += 1) pending.push(send(start + sent * interval, sent));
    // Sleep until the next request is due (a timer, not a spin: this process shares the cores).
    const wait = start + sent * interval - performance.now();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - start) / 1000;
  ownDelay.disable();
  agent.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  return {
    rate: latencies.length / elapsed,
    p50: at(50),
    p99: at(99),
    failed,
    generatorDelayP99Ms: ownDelay.percentile(99) / 1e6,
  };
}

/** The numeric samples of Prometheus text, by metric name and label text. */
function samples(text) {
  const found = new Map();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (match) found.set(`${match[1]}${match[2] ?? ''}`, Number(match[3]));
  }
  return found;
}

/**
 * What the server saw of a stretch of load, from its `/metrics` scraped before and after:
 * the share of its answers on `route` (status 200) within 10 ms by its own clock, the upper
 * bound of its p99 among the histogram's buckets, its event loop's p99 and longest delay over
 * the stretch (prom-client resets them at each scrape), and its garbage collections by kind.
 */
export async function serverView(url, route) {
  const scrape = async () => samples(await (await fetch(`${url}/metrics`)).text());
  const before = await scrape();
  return async () => {
    const after = await scrape();
    const grew = (name) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
    const buckets = [...after.keys()]
      .filter(
        (name) =>
          name.startsWith('tether_http_request_duration_seconds_bucket{') &&
          name.includes(`route="${route}"`) &&
          name.includes('status="200"'),
      )
      .map((name) => ({ le: Number(/le="([^"]+)"/.exec(name)[1]), count: grew(name) }))
      .sort((a, b) => a.le - b.le);
    const total = buckets.at(-1)?.count ?? 0;
    const p99Bucket = buckets.find((bucket) => bucket.count >= 0.99 * total);
    const gc = (kind) => ({
      count: grew(`nodejs_gc_duration_seconds_count{kind="${kind}"}`),
      ms: grew(`nodejs_gc_duration_seconds_sum{kind="${kind}"}`) * 1000,
    });
    return {
      within10ms:
        total > 0 ? (buckets.find((bucket) => bucket.le === 0.01)?.count ?? 0) / total : 0,
      p99AtMostMs: p99Bucket ? p99Bucket.le * 1000 : Number.NaN,
      loopDelayP99Ms: (after.get('nodejs_eventloop_lag_p99_seconds') ?? Number.NaN) * 1000,
      loopDelayMaxMs: (after.get('nodejs_eventloop_lag_max_seconds') ?? Number.NaN) * 1000,
      minorGc: gc('minor'),
      majorGc: gc('major'),
    };
  };
}

/**
 * The X simulator's token endpoint at full speed: refresh grants with Basic client auth, each
 * with its own refresh token (`<prefix><n>`, seeded beforehand), as Tether's refreshes send them.
 */
export async function tokenEndpointRate(simulator, { prefix, seconds, connections }) {
  let next = 0;
  const result = await load({
    url: `${simulator.url}/api.x.com/2/oauth2/token`,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from('sandbox-client:sandbox-secret').toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        setupRequest: (request) => ({
          ...request,
          body: `grant_type=refresh_token&refresh_token=${prefix}${(next += 1)}`,
        }),
      },
    ],
  });
  return { ...summary(result), sent: next };
}

/** CPU seconds used so far by every PostgreSQL process on the machine (all its databases). */
export function postgresCpuSeconds() {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const fields = stat.split(') ')[1].split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // The process ended while being read.
    }
  }
  return total;
}
