import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturedLog } from './support/captured-log';
import { eventually, type ReceivedMail, startSmtp } from './support/receivers';
import { json, type Mode, startServer, TestClock, type TestServer } from './support/server';

interface Problem {
  status: number;
  code: string;
  detail: string;
}

interface ConsoleSession {
  key: string;
  expiresAt: string;
  user: { id: string; email: string; role: string };
}

/** The console link a sign-in email carries, and its token. */
function linkIn(mail: ReceivedMail): { url: string; token: string } {
  const match = /(http:\/\/\S+\/#\/sign-in\/([A-Za-z0-9_-]+))/.exec(mail.raw);
  expect(match, mail.raw).not.toBeNull();
  return { url: match![1]!, token: match![2]! };
}

describe.each<Mode>(['embedded', 'distributed'])('sign-in links in %s mode', (mode) => {
  let server: TestServer;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  const clock = new TestClock();
  const address = (name: string) => `${name}-${mode}@people.example.com`;

  const requestLink = (email: string) =>
    server.request('POST', '/api/v1/sign-in-links', { key: null, json: { email } });
  const redeem = (token: string) =>
    server.request('POST', '/api/v1/sign-in-links/redeem', { key: null, json: { token } });
  /** Asks for a link for `email` and waits for the one email it sends. */
  const linkFor = async (email: string) => {
    const before = smtp.mails.length;
    expect((await requestLink(email)).status).toBe(202);
    await eventually(() => smtp.mails.length > before);
    const mails = smtp.mails.slice(before);
    expect(mails.map((mail) => mail.to)).toEqual([[email]]);
    return linkIn(mails[0]!);
  };
  const addUser = async (name: string, role: 'admin' | 'member') => {
    const response = await server.request('POST', '/api/v1/users', {
      json: { email: address(name), name, role },
    });
    expect(response.status).toBe(201);
    return json<{ id: string; email: string }>(response);
  };

  beforeAll(async () => {
    smtp = await startSmtp();
    server = await startServer(mode, {
      clock,
      env: { SMTP_URL: smtp.url, TETHER_SWEEP_INTERVAL_SECONDS: '0' },
    });
  });
  afterAll(async () => {
    await server?.close();
    await smtp?.close();
  });

  it('emails a link to the console that signs the person in once, as themselves', async () => {
    const logFrom = capturedLog.lines.length;
    const mia = await addUser('mia', 'member');
    const { url, token } = await linkFor(mia.email);
    expect(url.startsWith(`${server.url}/#/sign-in/`)).toBe(true);
    const mail = smtp.mails.at(-1)!;
    expect(mail.raw).toMatch(/Subject: Sign in to Tether \(Default\)/);
    expect(mail.raw).toContain('within 15 minutes');

    const redeemed = await redeem(token);
    expect(redeemed.status).toBe(201);
    const session = await json<ConsoleSession>(redeemed);
    expect(session.user).toMatchObject({ id: mia.id, email: mia.email, role: 'member' });
    expect(session.key).toMatch(/^tth_/);
    expect(new Date(session.expiresAt).getTime() - clock.now().getTime()).toBeGreaterThan(
      11 * 3_600_000,
    );

    // The key acts for Mia: who she is, and a member's view (no users, no keys).
    const me = await server.request('GET', '/api/v1/me', { key: session.key });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({
      user: { id: mia.id },
      admin: false,
      workspace: { name: 'Default' },
    });
    expect((await server.request('GET', '/api/v1/users', { key: session.key })).status).toBe(403);

    // Signing out ends it; the admin key signing out the same way keeps working.
    const signOut = (key: string) => server.request('POST', '/api/v1/sign-out', { key });
    expect((await signOut(session.key)).status).toBe(204);
    expect((await server.request('GET', '/api/v1/me', { key: session.key })).status).toBe(401);
    expect((await signOut(server.adminKey)).status).toBe(204);
    expect((await server.request('GET', '/api/v1/me')).status).toBe(200);

    // Once only.
    const again = await redeem(token);
    expect(again.status).toBe(410);
    expect(again.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await json<Problem>(again)).toMatchObject({ status: 410, code: 'SIGN_IN_LINK_USED' });

    // Neither the token nor the key it was exchanged for is ever logged.
    const log = capturedLog.lines.slice(logFrom).join('\n');
    expect(log).toContain('signed in with an email link');
    expect(log).not.toContain(token);
    expect(log).not.toContain(session.key);
  });

  it('refuses a link after 15 minutes, and the console key after 12 hours', async () => {
    const admin = await addUser('ada', 'admin');
    const late = await linkFor(admin.email);
    clock.advance(15 * 60 + 1);
    const expired = await redeem(late.token);
    expect(expired.status).toBe(410);
    expect(await json<Problem>(expired)).toMatchObject({ code: 'SIGN_IN_LINK_EXPIRED' });

    const fresh = await linkFor(admin.email);
    const session = await json<ConsoleSession>(await redeem(fresh.token));
    const me = await server.request('GET', '/api/v1/me', { key: session.key });
    expect(await me.json()).toMatchObject({ user: { id: admin.id }, admin: true });
    // An admin's console key shows among the workspace's keys, with its expiry.
    const keys = await json<{ data: { userId: string | null; expiresAt: string | null }[] }>(
      await server.request('GET', '/api/v1/api-keys', { key: session.key }),
    );
    expect(keys.data).toContainEqual(
      expect.objectContaining({ userId: admin.id, expiresAt: session.expiresAt }),
    );

    clock.advance(12 * 3600 + 1);
    const after = await server.request('GET', '/api/v1/me', { key: session.key });
    expect(after.status).toBe(401);
    expect(await json<Problem>(after)).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('answers an unknown address exactly as a known one, and sends nothing', async () => {
    const known = await addUser('kim', 'member');
    const before = smtp.mails.length;
    const unknown = await requestLink(address('nobody'));
    const answered = await requestLink(known.email);
    expect(unknown.status).toBe(202);
    expect(await unknown.text()).toBe(await answered.text());
    await eventually(() => smtp.mails.length > before);
    // Give a stray email time to arrive before counting.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.mails.slice(before).map((mail) => mail.to)).toEqual([[known.email]]);
  });

  it('refuses tokens it never sent and bad input with problems, never a 500', async () => {
    const unknown = await redeem('not-a-token-tether-sent');
    expect(unknown.status).toBe(404);
    expect(await json<Problem>(unknown)).toMatchObject({ code: 'SIGN_IN_LINK_NOT_FOUND' });
    for (const body of [{}, { email: 'not an address' }, { email: 'a@b.example', extra: 1 }]) {
      const response = await server.request('POST', '/api/v1/sign-in-links', {
        key: null,
        json: body,
      });
      expect(response.status).toBe(400);
      expect(await json<Problem>(response)).toMatchObject({ code: 'INVALID_REQUEST' });
    }
    const empty = await server.request('POST', '/api/v1/sign-in-links/redeem', {
      key: null,
      json: { token: '' },
    });
    expect(empty.status).toBe(400);
  });

  it('sends one person at most five links in 15 minutes, and still answers 202', async () => {
    const lou = await addUser('lou', 'member');
    const before = smtp.mails.length;
    for (let attempt = 0; attempt < 7; attempt += 1)
      expect((await requestLink(lou.email)).status).toBe(202);
    await eventually(() => smtp.mails.length >= before + 5);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.mails.length - before).toBe(5);
  });
});
