import { randomBytes } from 'node:crypto';
import { MikroORM } from '@mikro-orm/core';
import { SANDBOX_CLIENT } from '@tether/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderRegistry } from '../src/providers/provider-registry';
import { capturedLog as log, type LogEntry } from './support/captured-log';
import { connect } from './support/connect';
import { eventually, startSmtp, startWebhookReceiver } from './support/receivers';
import { json, type Mode, startServer, sweepAndNotify, type TestServer } from './support/server';

// Regression: a database error was logged with its SQL and the bound values, emails included.
describe.each<Mode>(['embedded', 'distributed'])('database errors in the log, %s mode', (mode) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(mode);
    // A rule the API does not know about, so the insert fails in the database itself.
    const connection = server.app.get(MikroORM).em.getConnection();
    await connection.execute(
      mode === 'embedded'
        ? `create trigger users_refuse_blocked before insert on users when new.email like '%@blocked.example' begin select raise(abort, 'blocked domain'); end`
        : `alter table users add constraint users_refuse_blocked check (email not like '%@blocked.example')`,
    );
  });
  afterAll(async () => {
    await server?.close();
  });

  it('logs the failing query’s shape without its values', async () => {
    const response = await server.request('POST', '/api/v1/users', {
      json: { email: 'grace.secret@blocked.example', name: 'Grace Hidden' },
    });
    expect(response.status).toBe(500);
    const logged = log.text();
    expect(logged).toMatch(/insert into/i);
    expect(logged).not.toContain('grace.secret');
    expect(logged).not.toContain('Grace Hidden');
    expect(logged).not.toContain('Failing row');
  });

  it('hides values with quotes and dashes in them too', async () => {
    const response = await server.request('POST', '/api/v1/users', {
      json: {
        email: "o'hara - secret@blocked.example".replace(' - ', '-'),
        name: "O'Hara - Hidden",
      },
    });
    expect(response.status).toBe(500);
    const logged = log.text();
    expect(logged).not.toContain('hara');
    expect(logged).not.toContain('Hidden');
  });
});

describe('a realistic flow in the log (distributed mode)', () => {
  let server: TestServer;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  const encryptionKey = randomBytes(32).toString('base64');
  const smtpPassword = `smtp-${randomBytes(12).toString('hex')}`;
  /** Every secret the flow handled, by what it is. */
  const secrets: Record<string, string> = {};
  let connectionId: string;
  let from: number;

  beforeAll(async () => {
    smtp = await startSmtp();
    receiver = await startWebhookReceiver();
    const smtpUrl = new URL(smtp.url);
    smtpUrl.username = 'tether';
    smtpUrl.password = smtpPassword;
    from = log.lines.length;
    server = await startServer('distributed', {
      env: {
        TETHER_SANDBOX: 'true',
        TETHER_SWEEP_INTERVAL_SECONDS: '0',
        SMTP_URL: smtpUrl.toString(),
        TETHER_ENCRYPTION_KEYS: `logs1:${encryptionKey}`,
      },
    });
    const owner = await json<{ id: string }>(
      await server.request('POST', '/api/v1/users', {
        json: { email: 'owner@example.com', name: 'Olga Owner', role: 'member' },
      }),
    );
    secrets.memberApiKey = (
      await json<{ key: string }>(
        await server.request('POST', '/api/v1/api-keys', {
          json: { name: 'olga', scope: 'admin', userId: owner.id },
        }),
      )
    ).key;
    secrets.webhookSecret = (
      await json<{ secret: string }>(
        await server.request('POST', '/api/v1/webhooks', { json: { url: receiver.url } }),
      )
    ).secret;
    const { session } = await connect(
      server,
      { provider: 'fixture', ownerId: owner.id },
      { person: 'grace' },
    );
    connectionId = session.connectionIds[0]!;
    const refreshed = await server.request('POST', `/api/v1/connections/${connectionId}/refresh`, {
      headers: { 'x-request-id': 'flow-refresh' },
    });
    expect(refreshed.status, await refreshed.clone().text()).toBeLessThan(300);
    secrets.revealedAccessToken = (
      await json<{ accessToken: string }>(
        await server.request('GET', `/api/v1/connections/${connectionId}/token`, {
          key: secrets.memberApiKey,
        }),
      )
    ).accessToken;
    // The network's error, as reported by a caller, quotes the token (some networks do).
    const reported = await server.request('POST', `/api/v1/connections/${connectionId}/errors`, {
      headers: { 'x-request-id': 'flow-report' },
      json: {
        status: 401,
        body: { error: 'password_changed', input_token: secrets.revealedAccessToken },
      },
    });
    expect(reported.status, await reported.clone().text()).toBe(200);
    await sweepAndNotify(server);
    await eventually(() => smtp.mails.length >= 1 && receiver.received.length >= 1, 10_000);
    await sweepAndNotify(server);
    expect(smtp.mails.length).toBeGreaterThanOrEqual(1);
    expect(receiver.received.length).toBeGreaterThanOrEqual(1);
  });
  afterAll(async () => {
    await server?.close();
    await smtp?.close();
    await receiver?.close();
  });

  const entries = (): LogEntry[] => log.entries(from);

  it('writes each connection event once, as fields, on the line of the request that caused it', () => {
    const events = entries().filter((entry) => entry.connectionId === connectionId);
    const ofType = (event: string) => events.filter((entry) => entry.event === event);
    expect(ofType('connection.created')).toHaveLength(1);
    expect(ofType('connection.refreshed')).toEqual([
      expect.objectContaining({
        level: 'info',
        context: 'Lifecycle',
        provider: 'fixture',
        requestId: 'flow-refresh',
      }),
    ]);
    expect(ofType('connection.revoked')).toEqual([
      expect.objectContaining({
        level: 'warn',
        provider: 'fixture',
        reason: 'password_changed',
        status: 'revoked',
        from: 'active',
        requestId: 'flow-report',
      }),
    ]);
  });

  it('writes a line per email and webhook attempt and per notifier run', () => {
    const lines = entries();
    const emails = lines.filter((entry) => entry.event === 'email.sent');
    expect(emails.length).toBe(smtp.mails.length);
    expect(emails[0]).toMatchObject({ channel: 'email', connectionId, attempt: 1 });
    expect(lines.filter((entry) => entry.event === 'webhook.delivered')).toEqual([
      expect.objectContaining({ channel: 'webhook', type: 'connection.revoked', attempt: 1 }),
    ]);
    const runs = lines.filter((entry) => entry.event === 'notifier.run');
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.reduce((sent, run) => sent + Number(run.emailsSent), 0)).toBe(smtp.mails.length);
  });

  it('gives every request an id: in its lines, its x-request-id header and its problem responses', async () => {
    const requestLines = entries().filter((entry) => entry.req !== undefined);
    expect(requestLines.length).toBeGreaterThan(5);
    for (const line of requestLines) expect(line.requestId).toEqual(expect.any(String));
    expect(requestLines.find((line) => line.requestId === 'flow-report')?.req).toEqual({
      method: 'POST',
      path: `/api/v1/connections/${connectionId}/errors`,
    });

    const kept = await server.request('GET', '/api/v1/connections/nope', {
      headers: { 'x-request-id': 'trace-42.a:b' },
    });
    expect(kept.headers.get('x-request-id')).toBe('trace-42.a:b');
    expect(await kept.json()).toMatchObject({
      code: 'CONNECTION_NOT_FOUND',
      requestId: 'trace-42.a:b',
    });
    // Not a plain token: replaced, so nobody writes markup or line breaks into the log.
    const replaced = await server.request('GET', '/api/v1/connections/nope', {
      headers: { 'x-request-id': 'evil "id" <script>' },
    });
    const id = replaced.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await replaced.json()).toMatchObject({ requestId: id });
  });

  it('never writes a secret it handled, anywhere in the whole log', async () => {
    const engine = server.app.get(ProviderRegistry).find('fixture')!.sandbox!;
    const recorded = await json<{ data: { fields: Record<string, string> }[] }>(
      await fetch(`${server.url}/sandbox/fixture/_control/requests`),
    );
    const sent = recorded.data.flatMap((request) =>
      ['code', 'code_verifier', 'client_secret', 'refresh_token', 'access_token', 'state']
        .map((field) => request.fields[field])
        .filter((value): value is string => typeof value === 'string' && value.length >= 8),
    );
    const seen = [
      server.adminKey,
      server.operatorKey,
      secrets.memberApiKey!,
      secrets.webhookSecret!,
      secrets.revealedAccessToken!,
      encryptionKey,
      smtpPassword,
      SANDBOX_CLIENT.clientSecret,
      // Every token the network issued: access and refresh, before and after the refresh.
      ...engine.tokens.keys(),
      // Codes, verifiers and refresh tokens as they went over the wire to the network.
      ...sent,
    ];
    expect(engine.tokens.size).toBeGreaterThanOrEqual(4);
    expect(sent.length).toBeGreaterThanOrEqual(2);
    const logged = log.text();
    expect(logged.length).toBeGreaterThan(0);
    for (const secret of seen) expect(logged, `the log holds ${secret}`).not.toContain(secret);
  });
});
