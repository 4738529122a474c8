import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

/**
 * What the link does:
 * - `pass`: forwards both ways;
 * - `cut`: the far end went away: open connections are closed (FIN), new ones closed on accept;
 * - `reset`: a firewall rejecting: open connections and new ones get a TCP reset (RST);
 * - `blackhole`: a partition: connections stay open and are accepted, nothing is forwarded;
 *   what was sent is held and delivered once the link passes again (as TCP retransmits);
 * - `slow`: every chunk arrives `latencyMs` late, in order, both ways.
 *
 * A client that closes its connection takes with it whatever it sent that was not delivered yet
 * (held by a partition or still on its slow way): a request whose caller gave up never reaches
 * the far end. What the far end sent before closing is still delivered.
 */
export type LinkMode = 'pass' | 'cut' | 'reset' | 'blackhole' | 'slow';

/** A TCP proxy on 127.0.0.1 in front of one target, whose link can fail on demand. */
export interface FaultProxy {
  /** The port it listens on. */
  readonly port: number;
  readonly mode: LinkMode;
  /** Switches the link; `latencyMs` is the delay of `slow` (default 500 ms). */
  set(mode: LinkMode, latencyMs?: number): void;
  /** `url` with its host and port replaced by the proxy's (a database, Redis or SMTP URL). */
  through(url: string): string;
  /** Connections opened through the proxy since it started. */
  readonly connections: number;
  close(): Promise<void>;
}

/** One direction of a proxied connection: chunks wait here until they are due and the link passes. */
class Lane {
  private readonly queue: { chunk: Buffer | null; at: number }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly link: { mode: LinkMode; latencyMs: number },
    private readonly to: () => Socket | undefined,
  ) {}

  /** A chunk to forward, or `null` for the end of the stream. */
  push(chunk: Buffer | null): void {
    const delay = this.link.mode === 'slow' ? this.link.latencyMs : 0;
    const last = this.queue.at(-1)?.at ?? 0;
    this.queue.push({ chunk, at: Math.max(Date.now() + delay, last) });
    this.pump();
  }

  pump(): void {
    clearTimeout(this.timer);
    const socket = this.to();
    if (this.link.mode === 'blackhole' || !socket || socket.connecting) return;
    while (this.queue.length > 0 && this.queue[0]!.at <= Date.now()) {
      const { chunk } = this.queue.shift()!;
      if (chunk === null) socket.end();
      else socket.write(chunk);
    }
    if (this.queue.length > 0)
      this.timer = setTimeout(() => this.pump(), this.queue[0]!.at - Date.now());
  }

  drop(): void {
    clearTimeout(this.timer);
    this.queue.length = 0;
  }
}

/** Starts a proxy to `target` on an ephemeral port, passing. */
export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  const link = { mode: 'pass' as LinkMode, latencyMs: 500 };
  const pairs = new Set<{ client: Socket; upstream?: Socket; lanes: Lane[] }>();
  let opened = 0;

  const end = (pair: { client: Socket; upstream?: Socket; lanes: Lane[] }, reset: boolean) => {
    pairs.delete(pair);
    for (const lane of pair.lanes) lane.drop();
    for (const socket of [pair.client, pair.upstream]) {
      if (!socket || socket.destroyed) continue;
      if (reset) socket.resetAndDestroy();
      else socket.destroy();
    }
  };

  const openUpstream = (pair: { client: Socket; upstream?: Socket; lanes: Lane[] }) => {
    const upstream = connect(target.port, target.host);
    pair.upstream = upstream;
    upstream.on('connect', () => pair.lanes.forEach((lane) => lane.pump()));
    upstream.on('data', (chunk: Buffer) => pair.lanes[1]!.push(chunk));
    upstream.on('end', () => pair.lanes[1]!.push(null));
    upstream.on('error', (error: NodeJS.ErrnoException) => end(pair, error.code === 'ECONNRESET'));
  };

  const server: Server = createServer((client) => {
    opened += 1;
    if (link.mode === 'cut' || link.mode === 'reset') {
      client.on('error', () => undefined);
      if (link.mode === 'reset') client.resetAndDestroy();
      else client.destroy();
      return;
    }
    const pair: { client: Socket; upstream?: Socket; lanes: Lane[] } = { client, lanes: [] };
    pair.lanes.push(new Lane(link, () => pair.upstream), new Lane(link, () => pair.client));
    pairs.add(pair);
    client.on('data', (chunk: Buffer) => pair.lanes[0]!.push(chunk));
    client.on('end', () => pair.lanes[0]!.push(null));
    client.on('error', (error: NodeJS.ErrnoException) => end(pair, error.code === 'ECONNRESET'));
    client.on('close', () => end(pair, false));
    // Across a partition the far end is not even reached; it is once the link passes again.
    if (link.mode !== 'blackhole') openUpstream(pair);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    port,
    get mode() {
      return link.mode;
    },
    get connections() {
      return opened;
    },
    set(mode, latencyMs) {
      link.mode = mode;
      if (latencyMs !== undefined) link.latencyMs = latencyMs;
      for (const pair of [...pairs]) {
        if (mode === 'cut' || mode === 'reset') end(pair, mode === 'reset');
        else if (mode !== 'blackhole' && !pair.upstream) openUpstream(pair);
        else pair.lanes.forEach((lane) => lane.pump());
      }
    },
    through(url) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    close: async () => {
      for (const pair of [...pairs]) end(pair, false);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
