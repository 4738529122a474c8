import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, TEST_ENCRYPTION_KEYS } from './server';
import { REDIS_URL } from './services';

const MAIN = join(__dirname, '..', '..', 'dist', 'main.js');

/** The JSON log lines of a process's output (other lines, such as a pretty-printed log, left out). */
export function logEntries(output: string): (Record<string, unknown> & { msg?: string })[] {
  return output.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as Record<string, unknown> & { msg?: string }];
    } catch {
      return [];
    }
  });
}

/** What a process logged, one message a line: to search for a message's words. */
export function loggedText(output: string): string {
  return logEntries(output)
    .map((entry) => entry.msg ?? '')
    .join('\n');
}

/** `node dist/main.js` running in `cwd`, with its output collected. */
export interface ServerProcess {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the URL the server logged, or rejects with its output if it exits first. */
  listening(): Promise<string>;
  /** Resolves with the exit code. */
  exited(): Promise<number | null>;
  stop(): Promise<void>;
}

/** Starts the built server (this workspace's unless `main` says which) as a separate process, as an operator would. */
export function spawnServer(
  cwd: string,
  env: Record<string, string>,
  main: string = MAIN,
): ServerProcess {
  const child = spawn(process.execPath, [main], {
    cwd,
    env: { PATH: process.env.PATH ?? '', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited: () => exit,
    listening: () =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`server did not start:\n${output}`)),
          60_000,
        );
        const check = () => {
          const match = /Tether listening on (http:\/\/\S+)/.exec(output);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!.replace('[::1]', '127.0.0.1'));
          }
        };
        child.stdout.on('data', check);
        void exit.then((code) => {
          clearTimeout(timer);
          reject(new Error(`server exited with ${code}:\n${output}`));
        });
        check();
      }),
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exit;
      }
    },
  };
}

/** What the instances of one distributed deployment share. */
export interface Deployment {
  /** Directory with the configuration file. */
  readonly cwd: string;
  readonly databaseUrl: string;
  /** Redis key prefix of the shared queue. */
  readonly prefix: string;
  readonly adminKey: string;
  /** Every instance started, for the test to stop. */
  readonly processes: ServerProcess[];
}

/** Starts one more instance of a deployment on PostgreSQL and Redis, on a free port. */
export async function startInstance(
  deployment: Deployment,
  env: Record<string, string> = {},
): Promise<{ server: ServerProcess; url: string }> {
  const port = await freePort();
  const server = spawnServer(deployment.cwd, {
    DATABASE_URL: deployment.databaseUrl,
    REDIS_URL,
    TETHER_QUEUE_PREFIX: deployment.prefix,
    TETHER_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
    TETHER_ADMIN_KEY: deployment.adminKey,
    PORT: String(port),
    TETHER_PUBLIC_URL: `http://127.0.0.1:${port}`,
    ...env,
  });
  deployment.processes.push(server);
  return { server, url: await server.listening() };
}
