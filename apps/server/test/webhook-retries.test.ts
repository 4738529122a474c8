import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from './support/connect';
import { eventually, startWebhookReceiver } from './support/receivers';
import { startServer, sweepAndNotify, type TestServer } from './support/server';
import { REDIS_URL } from './support/services';

interface DeliveryView {
  id: string;
  status: string;
  attempts: { statusCode: number | null }[];
}

describe('a failed webhook delivery retried by Bull, in distributed mode', () => {
  let server: TestServer;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  const redis = new Redis(REDIS_URL);
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    server = await startServer('distributed', {
      env: {
        TETHER_SANDBOX: 'true',
        // Nothing but the queue can run the second attempt: no interval re-queues it.
        TETHER_SWEEP_INTERVAL_SECONDS: '0',
        TETHER_WEBHOOK_RETRY_SCHEDULE: '2s',
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
    redis.disconnect();
  });

  it('runs the same job again after its backoff, and the receiver gets the second attempt', async () => {
    const created = await server.request('POST', '/api/v1/webhooks', {
      json: { url: receiver.url, events: ['connection.revoked'] },
    });
    expect(created.status).toBe(201);
    const hook = (await created.json()) as { id: string };
    receiver.answer((index) => (index === 0 ? 500 : 200));
    const { session } = await connect(server, { provider: 'fixture' }, { person: 'grace' });
    await server.request('POST', `/api/v1/connections/${session.connectionIds[0]}/errors`, {
      json: { status: 401, body: { error: 'password_changed' } },
    });
    await sweepAndNotify(server);
    await eventually(() => receiver.received.length >= 1, 8000);
    const failedAt = Date.now();
    const deliveryId = String(receiver.received[0]!.headers['webhook-id']);

    // Bull's record of the job: one attempt made, waiting in its backoff with the whole schedule.
    const job = `${server.config.queuePrefix}:tether:webhook:${deliveryId}:0`;
    await eventually(() => false, 300).catch(() => undefined);
    const record = await redis.hgetall(job);
    expect(record.attemptsMade).toBe('1');
    expect(JSON.parse(record.opts!)).toMatchObject({
      attempts: 2,
      backoff: { type: 'scheduled', options: { delaysMs: [2000] } },
    });
    expect(
      await redis.zscore(`${server.config.queuePrefix}:tether:delayed`, `webhook:${deliveryId}:0`),
    ).not.toBeNull();

    await eventually(() => receiver.received.length >= 2, 8000);
    // Not before the scheduled wait; at most a tenth more (and the time to send).
    expect(Date.now() - failedAt).toBeGreaterThanOrEqual(1900);
    expect(receiver.received[1]!.headers['webhook-id']).toBe(deliveryId);
    const deliveries = (await (
      await server.request('GET', `/api/v1/webhooks/${hook.id}/deliveries`)
    ).json()) as { data: DeliveryView[] };
    expect(deliveries.data[0]).toMatchObject({ id: deliveryId, status: 'delivered' });
    expect(deliveries.data[0]!.attempts.map((attempt) => attempt.statusCode)).toEqual([500, 200]);
    // Done: the job is gone from Redis.
    await eventually(() => false, 200).catch(() => undefined);
    expect(await redis.exists(job)).toBe(0);
  });
});
