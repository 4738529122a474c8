import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from './fault-proxy';

/** What a client socket went through: data received, and how it ended. */
interface Observed {
  socket: Socket;
  received: () => string;
  /** Resolves with the error code it closed with, or `closed` for a clean close. */
  closed: Promise<string>;
}

function open(port: number): Promise<Observed> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let code = 'closed';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.on('error', (error: NodeJS.ErrnoException) => (code = error.code ?? 'error'));
    const closed = new Promise<string>((done) => socket.on('close', () => done(code)));
    const observed = { socket, received: () => received, closed };
    // A reset can come before the connection is seen as open.
    socket.on('connect', () => resolve(observed));
    socket.on('close', () => resolve(observed));
  });
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(done: () => boolean, timeoutMs = 2000): Promise<void> {
  const started = Date.now();
  while (!done() && Date.now() - started < timeoutMs) await settle(10);
}

describe('the fault proxy in front of an echo server', () => {
  let echo: Server;
  /** Everything the echo server received, in order. */
  let heard = '';
  let accepted = 0;
  let proxy: FaultProxy;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    echo = createServer((socket) => {
      accepted += 1;
      socket.on('data', (chunk: Buffer) => {
        heard += chunk.toString();
        socket.write(chunk);
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    proxy = await startFaultProxy({
      host: '127.0.0.1',
      port: (echo.address() as AddressInfo).port,
    });
  });
  afterEach(() => {
    proxy.set('pass');
    for (const socket of sockets.splice(0)) socket.destroy();
  });
  afterAll(async () => {
    await proxy.close();
    await new Promise((resolve) => echo.close(resolve));
  });

  const client = async () => {
    const observed = await open(proxy.port);
    sockets.push(observed.socket);
    return observed;
  };

  it('passes both ways', async () => {
    const a = await client();
    a.socket.write('hello');
    await until(() => a.received() === 'hello');
    expect(a.received()).toBe('hello');
  });

  it('cut: closes open connections and every new one, then passes again', async () => {
    const a = await client();
    proxy.set('cut');
    expect(await a.closed).toBe('closed');
    const b = await client();
    expect(await b.closed).toBe('closed');
    proxy.set('pass');
    const c = await client();
    c.socket.write('back');
    await until(() => c.received() === 'back');
    expect(c.received()).toBe('back');
  });

  it('reset: open and new connections get a TCP reset', async () => {
    const a = await client();
    proxy.set('reset');
    expect(await a.closed).toBe('ECONNRESET');
    const b = await client();
    expect(await b.closed).toBe('ECONNRESET');
  });

  it('blackhole: holds what was sent and delivers it once the link passes again', async () => {
    const a = await client();
    a.socket.write('open ');
    await until(() => a.received() === 'open ');
    proxy.set('blackhole');
    a.socket.write('held');
    const acceptedBefore = accepted;
    const b = await client();
    b.socket.write('later');
    await settle(300);
    expect(a.received()).toBe('open ');
    expect(heard).not.toContain('held');
    // A connection opened across the partition did not even reach the far end.
    expect(accepted).toBe(acceptedBefore);
    proxy.set('pass');
    await until(() => a.received() === 'open held' && b.received() === 'later');
    expect([a.received(), b.received()]).toEqual(['open held', 'later']);
  });

  it('blackhole: what a client sent before giving up never arrives', async () => {
    const a = await client();
    proxy.set('blackhole');
    a.socket.write('abandoned');
    await settle(100);
    a.socket.destroy();
    await a.closed;
    proxy.set('pass');
    await settle(200);
    expect(heard).not.toContain('abandoned');
  });

  it('slow: each way takes the latency, in order', async () => {
    const a = await client();
    proxy.set('slow', 200);
    const started = Date.now();
    a.socket.write('one ');
    a.socket.write('two');
    await until(() => a.received() === 'one two');
    expect(a.received()).toBe('one two');
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
  });
});
