import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { Webhook } from 'standardwebhooks';

export interface ReceivedMail {
  readonly to: string[];
  readonly raw: string;
}

/** A real SMTP server on a free port, keeping every message it receives. */
export async function startSmtp(): Promise<{
  url: string;
  mails: ReceivedMail[];
  close: () => Promise<void>;
}> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    // Any user and password is accepted, in clear text: the tests run on loopback.
    allowInsecureAuth: true,
    onAuth: (auth, _session, callback) => callback(null, { user: auth.username }),
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      stream.on('end', () => {
        // Undo quoted-printable line folding and escapes, so assertions read the text: the
        // escapes are UTF-8 bytes (“, ’…), decoded together.
        const text = Buffer.from(
          raw
            .replace(/=\r?\n/g, '')
            .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
          'latin1',
        ).toString('utf8');
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: text });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface ReceivedHook {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly status: number;
}

/**
 * An HTTP server receiving webhooks. `answer` picks each response's status (200 by default), so
 * tests can make deliveries fail.
 */
export async function startWebhookReceiver(): Promise<{
  url: string;
  received: ReceivedHook[];
  answer: (next: (received: number) => number) => void;
  close: () => Promise<void>;
}> {
  const received: ReceivedHook[] = [];
  let pick: (received: number) => number = () => 200;
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const status = pick(received.length);
      received.push({ headers: request.headers, body, status });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    answer: (next) => (pick = next),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Verifies a delivery as a receiver would, with the Standard Webhooks reference library: it
 * recomputes the signature over id, timestamp and body with the secret, compares in constant
 * time, and refuses timestamps more than five minutes away.
 */
export function verifySignature(hook: ReceivedHook, secret: string): boolean {
  const headers = Object.fromEntries(
    ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => [
      name,
      String(hook.headers[name] ?? ''),
    ]),
  );
  try {
    new Webhook(secret).verify(hook.body, headers);
    return true;
  } catch {
    return false;
  }
}

/** Waits until `done()` holds, or the timeout passes. */
export async function eventually(done: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!done() && Date.now() - started < timeoutMs)
    await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Reads until `done` says the value is the one awaited, or the time is up; returns the last read. */
export async function readUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 8000,
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() - started > timeoutMs) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
