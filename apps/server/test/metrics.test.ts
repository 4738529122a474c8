import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from './support/connect';
import { eventually, startWebhookReceiver } from './support/receivers';
import { json, startServer, sweepAndNotify, type TestServer } from './support/server';

/** A Prometheus text exposition as `name{labels}` → value. */
function samples(text: string): Map<string, number> {
  return new Map(
    text
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => {
        const at = line.lastIndexOf(' ');
        return [line.slice(0, at), Number(line.slice(at + 1))];
      }),
  );
}

describe('GET /metrics after some traffic', () => {
  let server: TestServer;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let connectionId: string;
  let scraped: string;
  let metrics: Map<string, number>;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    server = await startServer('embedded', {
      env: {
        TETHER_SANDBOX: 'true',
        TETHER_SWEEP_INTERVAL_SECONDS: '0',
        TETHER_WEBHOOK_RETRY_SCHEDULE: '1s',
      },
    });
    const owner = await json<{ id: string }>(
      await server.request('POST', '/api/v1/users', {
        json: { email: 'owner@example.com', name: 'Olga Owner', role: 'member' },
      }),
    );
    await server.request('POST', '/api/v1/webhooks', {
      json: { url: receiver.url, events: ['connection.revoked'] },
    });
    const { session } = await connect(
      server,
      { provider: 'fixture', ownerId: owner.id },
      { person: 'grace' },
    );
    connectionId = session.connectionIds[0]!;
    for (let read = 0; read < 3; read += 1)
      expect((await server.request('GET', `/api/v1/connections/${connectionId}`)).status).toBe(200);
    expect((await server.request('GET', '/api/v1/connections/nope')).status).toBe(404);
    // A revocation: an alert email, and a webhook whose first attempt the receiver refuses.
    receiver.answer((index) => (index === 0 ? 500 : 200));
    await server.request('POST', `/api/v1/connections/${connectionId}/errors`, {
      json: { status: 401, body: { error: 'password_changed' } },
    });
    await sweepAndNotify(server);
    await eventually(() => receiver.received.length >= 2, 8000);
    await sweepAndNotify(server);
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    scraped = await response.text();
    metrics = samples(scraped);
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  });

  it('serves Node’s process metrics', () => {
    expect(metrics.get('process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(metrics.get('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(metrics.get('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(metrics.has('nodejs_eventloop_lag_seconds')).toBe(true);
  });

  it('counts and times HTTP requests by route template and status, never by raw path', () => {
    const one = 'method="GET",route="/api/v1/connections/:id"';
    expect(metrics.get(`tether_http_requests_total{${one},status="200"}`)).toBe(3);
    expect(metrics.get(`tether_http_requests_total{${one},status="404"}`)).toBe(1);
    expect(metrics.get(`tether_http_request_duration_seconds_count{${one},status="200"}`)).toBe(3);
    expect(
      metrics.get(
        'tether_http_requests_total{method="POST",route="/api/v1/connections/:id/errors",status="200"}',
      ),
    ).toBe(1);
    expect(scraped).not.toContain(connectionId);
    expect(scraped).not.toContain('/nope');
  });

  it('counts email and webhook attempts by outcome, and the notifier’s runs', () => {
    const emails = readdirSync(join(server.config.dataDir, 'outbox')).length;
    expect(emails).toBeGreaterThanOrEqual(1);
    expect(metrics.get('tether_email_attempts_total{outcome="sent"}')).toBe(emails);
    expect(metrics.get('tether_webhook_attempts_total{outcome="failed"}')).toBe(1);
    expect(metrics.get('tether_webhook_attempts_total{outcome="delivered"}')).toBe(1);
    expect(metrics.get('tether_notifier_runs_total{outcome="completed"}')).toBe(2);
    expect(metrics.get('tether_notifier_run_duration_seconds_count')).toBe(2);
  });
});
