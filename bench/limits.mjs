// The physical limits each figure is compared with, measured in the same run.
import autocannon from 'autocannon';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';

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
  agent.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  return { rate: latencies.length / elapsed, p50: at(50), p99: at(99), failed };
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
