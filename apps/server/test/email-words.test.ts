import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/core';
import { Connection } from '@tether/persistence';
import { REASON_DESCRIPTIONS } from '@tether/provider-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/tether-config';
import { connect, consentAt } from './support/connect';
import { eventually, type ReceivedMail, startSmtp } from './support/receivers';
import { startServer, sweepAndNotify, type TestServer } from './support/server';

const MONTHS =
  'January February March April May June July August September October November December'.split(
    ' ',
  );
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The plain-text part of a received email, as its reader sees it. */
function plainText(mail: ReceivedMail): string {
  const part =
    /Content-Type: text\/plain[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*\r?\n([\s\S]*?)\r?\n--/.exec(mail.raw);
  return (part?.[1] ?? '').replace(/\r\n/g, '\n');
}

/** The paragraph of an email that starts with `label`. */
function section(text: string, label: string): string {
  return text.split('\n\n').find((paragraph) => paragraph.startsWith(label)) ?? '';
}

function subject(mail: ReceivedMail): string {
  return /^Subject: (.*)$/m.exec(mail.raw)?.[1] ?? '';
}

describe('emails a non-technical reader understands', () => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let server: TestServer;
  beforeAll(async () => {
    smtp = await startSmtp();
    server = await startServer('embedded', {
      settings: {
        providers: [
          { resolve: '@tether/provider-testkit/fixture' },
          { resolve: '@tether/provider-linkedin' },
        ],
      },
      env: {
        TETHER_SWEEP_INTERVAL_SECONDS: '0',
        SMTP_URL: smtp.url,
        TETHER_FOLLOW_UP_SCHEDULE: '1s',
        TETHER_REAUTHORIZE_URL: 'https://app.example.com/reconnect/{connectionId}',
      },
    });
    await server.request('POST', '/api/v1/users', {
      json: { email: 'admin@example.com', name: 'Ada Admin', role: 'admin' },
    });
  });
  afterAll(async () => {
    await server?.close();
    await smtp?.close();
  });
  const tick = () => sweepAndNotify(server);

  it('says what happened, what to do, by when and who, in the taxonomy’s words, never “token”', async () => {
    const { session } = await connect(server, { provider: 'fixture' }, { person: 'member-41' });
    const id = session.connectionIds[0]!;
    await server.request('POST', `/api/v1/connections/${id}/errors`, {
      json: { status: 401, body: { error: 'password_changed' } },
    });
    await tick();
    await eventually(() => smtp.mails.length >= 1);
    const alert = plainText(smtp.mails[0]!);
    const words = REASON_DESCRIPTIONS.password_changed;
    expect(subject(smtp.mails[0]!)).toBe('Fixture Network: Member 41 was disconnected');
    expect(section(alert, 'What happened:')).toBe(
      `What happened: “Member 41” on Fixture Network was disconnected: tools that use it through Tether can no longer publish or read for it. ${words.meaning}`,
    );
    // What to do says what to do; why it is needed was said once, above.
    expect(section(alert, 'What to do:')).toBe(`What to do: ${words.remedy}`);
    expect(section(alert, 'What to do:')).not.toContain('changed their password');
    expect(section(alert, 'By when:')).toBe('By when: As soon as you can.');
    expect(section(alert, 'Who does it:')).toBe(
      'Who does it: the person who connected the account.',
    );
    expect(section(alert, 'Reconnect here:')).toBe(
      `Reconnect here: https://app.example.com/reconnect/${id}`,
    );
    expect(smtp.mails[0]!.raw).toContain(`<a href="https://app.example.com/reconnect/${id}">`);

    // Still broken a second later: a follow-up, with the reason again and no "why" in the fix.
    await sleep(1200);
    await tick();
    await eventually(() => smtp.mails.length >= 2);
    const followUp = plainText(smtp.mails[1]!);
    expect(subject(smtp.mails[1]!)).toBe('Fixture Network: Member 41 is still disconnected');
    expect(section(followUp, 'What happened:')).toContain(words.meaning);
    expect(section(followUp, 'What to do:')).toBe(`What to do: ${words.remedy}`);

    const reauthorize = (await (
      await server.request('POST', `/api/v1/connections/${id}/reauthorize`, { json: {} })
    ).json()) as { authorizationUrl: string };
    await fetch(await consentAt(reauthorize.authorizationUrl, { person: 'member-41' }));
    await tick();
    await eventually(() => smtp.mails.length >= 3);
    expect(plainText(smtp.mails[2]!)).toBe(
      '“Member 41” on Fixture Network works again. Nothing more to do.',
    );
    for (const mail of smtp.mails) expect(mail.raw).not.toMatch(/token/i);
  });

  it('reminds with the date to act by, and what to do', async () => {
    smtp.mails.length = 0;
    const { session } = await connect(server, { provider: 'linkedin' });
    const id = session.connectionIds[0]!;
    // Two days ahead, at 09:30 UTC: the 3-day reminder is due.
    const expiresAt = new Date(Date.now() + 2 * 86_400_000);
    expiresAt.setUTCHours(9, 30, 0, 0);
    const day = `${expiresAt.getUTCDate()} ${MONTHS[expiresAt.getUTCMonth()]} ${expiresAt.getUTCFullYear()}`;
    await server.app
      .get(MikroORM)
      .em.fork()
      .nativeUpdate(Connection, { id }, { hardExpiresAt: expiresAt, nextReminderAt: new Date() });
    await tick();
    await eventually(() => smtp.mails.length >= 1);
    const reminder = plainText(smtp.mails[0]!);
    expect(subject(smtp.mails[0]!)).toMatch(new RegExp(`^LinkedIn: reconnect .+ before ${day}$`));
    expect(section(reminder, 'What is coming:')).toContain(
      `on LinkedIn will stop working on ${day} at 09:30 UTC.`,
    );
    expect(section(reminder, 'What to do:')).toBe('What to do: Reconnect the account.');
    expect(section(reminder, 'By when:')).toBe(`By when: Before ${day} at 09:30 UTC.`);
    expect(smtp.mails[0]!.raw).not.toMatch(/token/i);
  });
});

describe('emails in the operator’s own words', () => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let server: TestServer;
  beforeAll(async () => {
    const templates = mkdtempSync(join(tmpdir(), 'tether-templates-'));
    writeFileSync(
      join(templates, 'alert.txt'),
      'Subject: [Acme social] {{headline}} needs you\n\nHello, {{accounts}} {{status}}.\n\n{{what_to_do}}\n\nDeadline: {{by_when}}\n',
    );
    writeFileSync(
      join(templates, 'alert.html'),
      '<html><body><h1>{{accounts}}</h1><p>{{what_to_do}}</p></body></html>',
    );
    smtp = await startSmtp();
    server = await startServer('embedded', {
      env: {
        TETHER_SANDBOX: 'true',
        TETHER_SWEEP_INTERVAL_SECONDS: '0',
        SMTP_URL: smtp.url,
        TETHER_EMAIL_TEMPLATES_DIR: templates,
      },
    });
    await server.request('POST', '/api/v1/users', {
      json: { email: 'admin@example.com', name: 'Ada Admin', role: 'admin' },
    });
  });
  afterAll(async () => {
    await server?.close();
    await smtp?.close();
  });

  it('uses the templates folder, filling its placeholders and escaping them in HTML', async () => {
    const { session } = await connect(server, { provider: 'fixture' }, { person: 'grace' });
    const id = session.connectionIds[0]!;
    await server.request('PATCH', `/api/v1/connections/${id}`, {
      json: { name: 'Grace <b>shop</b>' },
    });
    await server.request('POST', `/api/v1/connections/${id}/errors`, {
      json: { status: 401, body: { error: 'role_lost' } },
    });
    await sweepAndNotify(server);
    await eventually(() => smtp.mails.length >= 1);
    const [mail] = smtp.mails;
    expect(subject(mail!)).toBe('[Acme social] Grace <b>shop</b> needs you');
    expect(plainText(mail!)).toBe(
      `Hello, “Grace <b>shop</b>” (Grace Example) was disconnected.\n\n${REASON_DESCRIPTIONS.role_lost.remedy}\n\nDeadline: As soon as you can.`,
    );
    expect(mail!.raw).toContain('<h1>“Grace &#60;b&#62;shop&#60;/b&#62;” (Grace Example)</h1>');
  });

  it('refuses a templates folder with an unknown file or placeholder, naming them', () => {
    const templates = mkdtempSync(join(tmpdir(), 'tether-templates-'));
    writeFileSync(join(templates, 'alert.txt'), 'Subject: {{headline}}\n\n{{token}} {{why}}\n');
    writeFileSync(join(templates, 'alerts.txt'), 'Subject: x\n\ny\n');
    writeFileSync(join(templates, 'recovery.txt'), 'no subject line\n');
    expect(() =>
      loadConfig({ TETHER_EMAIL_TEMPLATES_DIR: templates }, mkdtempSync(join(tmpdir(), 'cwd-'))),
    ).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(
          /alerts\.txt is not a template[\s\S]*alert\.txt uses \{\{token\}\}[\s\S]*recovery\.txt must start with a "Subject: …" line/,
        ),
      }),
    );
  });
});
