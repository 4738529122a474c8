import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { simulation as fixtureSimulation } from '@tether/provider-testkit/fixture/simulator';
import { type RunningSimulator, startSimulator } from '@tether/provider-testkit/simulator';
import { consentAt } from '../support/connect';
import { type ServerProcess, spawnServer } from '../support/process';
import { startSmtp } from '../support/receivers';
import { configDirectory, freePort, TEST_ENCRYPTION_KEYS } from '../support/server';
import { createDatabase, query, REDIS_URL } from '../support/services';
import { type FaultProxy, startFaultProxy } from './fault-proxy';

/**
 * `sqlite`: embedded mode, one process on a SQLite file and the in-process queue.
 * `postgres`: distributed mode, any number of processes on PostgreSQL and Redis.
 */
export type StoreMode = 'sqlite' | 'postgres';

/** Every link between the server processes and what they depend on, each through a fault proxy. */
interface Links {
  /** Only in `postgres` mode. */
  readonly postgres?: FaultProxy;
  /** Only in `postgres` mode. */
  readonly redis?: FaultProxy;
  readonly smtp: FaultProxy;
  /** To the fixture network's simulator: token calls, API calls (and the consent pages). */
  readonly simulator: FaultProxy;
}

/** One server process of the deployment. */
export interface Instance {
  readonly server: ServerProcess;
  readonly url: string;
  /** Sends a request with the admin key; it gives up after `timeoutMs` (30 s by default). */
  request(method: string, path: string, body?: unknown, timeoutMs?: number): Promise<Response>;
  /** `kill -9`: no shutdown hook runs, nothing is handed over. */
  kill9(): Promise<void>;
}

/** A connection as the API shows it (the fields the fault suite reads). */
interface ConnectionView {
  readonly id: string;
  readonly status: string;
  readonly reason: string | null;
}

/**
 * Tether as an operator runs it, with every link going through a fault proxy: one simulated
 * network (the fixture provider), an SMTP receiver, and in `postgres` mode a fresh database and
 * Redis prefix. Instances share the database (or the SQLite data directory), so a process
 * started after a `kill -9` restarts on the same data.
 */
export interface FaultyDeployment {
  readonly mode: StoreMode;
  readonly simulator: RunningSimulator;
  readonly smtp: Awaited<ReturnType<typeof startSmtp>>;
  readonly links: Links;
  /** The database reached directly, not through the proxy (`postgres` mode). */
  readonly databaseUrl?: string;
  /** Starts one more server process; `env` adds to or overrides the deployment's. */
  start(env?: Record<string, string>): Promise<Instance>;
  /** Connects one grant per person (fixture people `member-1` … `member-12`); returns connection ids. */
  connect(instance: Instance, people: readonly string[]): Promise<string[]>;
  /** Every connection, read through `instance`. */
  connections(instance: Instance): Promise<ConnectionView[]>;
  /** Queries the database directly (`postgres` mode). */
  rows<T>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** The admin key of every fault-suite deployment. */
const ADMIN_KEY = 'faults-admin-key-'.padEnd(40, 'f');

/** The email address alerts go to: the workspace's admin, created by {@link FaultyDeployment.connect}. */
export const ADMIN_EMAIL = 'admin@example.com';

function hostAndPort(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
}

/**
 * Starts the simulator, the SMTP receiver, the proxies and (in `postgres` mode) the database;
 * no server process yet. `accessTokenSeconds` sets the network's token lifetime, so refreshes
 * come due every half of it.
 */
export async function startFaultyDeployment(options: {
  mode: StoreMode;
  /** Environment of every instance (sweep interval, lease, schedules). */
  env?: Record<string, string>;
  accessTokenSeconds?: number;
}): Promise<FaultyDeployment> {
  const simulator = await startSimulator(fixtureSimulation);
  if (options.accessTokenSeconds !== undefined)
    simulator.engine.accessTokenSeconds = options.accessTokenSeconds;
  const smtp = await startSmtp();
  const database = options.mode === 'postgres' ? await createDatabase() : undefined;
  const links: Links = {
    smtp: await startFaultProxy(hostAndPort(smtp.url)),
    simulator: await startFaultProxy(hostAndPort(simulator.url)),
    ...(database
      ? {
          postgres: await startFaultProxy(hostAndPort(database.url)),
          redis: await startFaultProxy(hostAndPort(REDIS_URL)),
        }
      : {}),
  };
  const cwd = configDirectory({
    providers: [
      {
        resolve: '@tether/provider-testkit/fixture',
        simulator: links.simulator.through(simulator.url),
      },
    ],
  });
  const prefix = `tether-faults-${randomUUID()}`;
  const instances: Instance[] = [];
  let adminCreated = false;

  const deployment: FaultyDeployment = {
    mode: options.mode,
    simulator,
    smtp,
    links,
    ...(database ? { databaseUrl: database.url } : {}),
    async start(env = {}) {
      const port = await freePort();
      const server = spawnServer(cwd, {
        TETHER_ADMIN_KEY: ADMIN_KEY,
        TETHER_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
        TETHER_DATA_DIR: join(cwd, 'data'),
        TETHER_SANDBOX: 'false',
        PORT: String(port),
        TETHER_PUBLIC_URL: `http://127.0.0.1:${port}`,
        SMTP_URL: links.smtp.through(smtp.url),
        ...(database && links.postgres && links.redis
          ? {
              DATABASE_URL: links.postgres.through(database.url),
              REDIS_URL: links.redis.through(REDIS_URL),
              TETHER_QUEUE_PREFIX: prefix,
            }
          : {}),
        ...options.env,
        ...env,
      });
      const url = await server.listening();
      const instance: Instance = {
        server,
        url,
        request: (method, path, body, timeoutMs = 30_000) =>
          fetch(`${url}${path}`, {
            method,
            signal: AbortSignal.timeout(timeoutMs),
            headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          }),
        kill9: async () => {
          if (server.child.exitCode === null && server.child.signalCode === null) {
            server.child.kill('SIGKILL');
            await server.exited();
          }
        },
      };
      instances.push(instance);
      return instance;
    },
    async connect(instance, people) {
      if (!adminCreated) {
        const created = await instance.request('POST', '/api/v1/users', {
          email: ADMIN_EMAIL,
          name: 'Ada Admin',
          role: 'admin',
        });
        if (created.status !== 201) throw new Error(`admin user: ${await created.text()}`);
        adminCreated = true;
      }
      const ids: string[] = [];
      for (const person of people) {
        const started = (await (
          await instance.request('POST', '/api/v1/connect-sessions', { provider: 'fixture' })
        ).json()) as { id: string; authorizationUrl: string };
        await fetch(await consentAt(started.authorizationUrl, { person }));
        const session = (await (
          await instance.request('GET', `/api/v1/connect-sessions/${started.id}`)
        ).json()) as { outcome: string; connectionIds: string[] };
        if (session.outcome !== 'connected')
          throw new Error(`connecting ${person}: ${JSON.stringify(session)}`);
        ids.push(...session.connectionIds);
      }
      return ids;
    },
    async connections(instance) {
      const response = await instance.request('GET', '/api/v1/connections?limit=100');
      if (response.status !== 200)
        throw new Error(`GET /connections: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { data: ConnectionView[] }).data;
    },
    rows(sql, params = []) {
      if (!database) throw new Error('rows() reads the PostgreSQL database: postgres mode only');
      return query(database.url, sql, params);
    },
    async close() {
      for (const instance of instances) await instance.server.stop();
      for (const link of Object.values(links) as FaultProxy[]) await link.close();
      await database?.drop();
      await simulator.close();
      await smtp.close();
    },
  };
  return deployment;
}

/** A fixture person per grant: `member-1` … `member-n` (the fixture network has twelve). */
export function members(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `member-${index + 1}`);
}

/** Polls `read` until `done` holds or `timeoutMs` passes; returns the milliseconds it took, or `undefined`. */
export async function within<T>(
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
): Promise<number | undefined> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    try {
      if (done(await read())) return Date.now() - started;
    } catch {
      // Not reachable yet (a server still starting, a link still down): read again.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return undefined;
}

/** Prints one measured figure of a scenario, in the form RELIABILITY.md quotes. */
export function report(scenario: string, figures: Record<string, unknown>): void {
  process.stdout.write(`[faults] ${scenario}: ${JSON.stringify(figures)}\n`);
}
