import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { consentAt } from './connect';
import { spawnServer } from './process';
import { configDirectory, FIXTURE_PROVIDERS, freePort } from './server';

/** The repository's root, where the README's commands run. */
export const REPO_ROOT = join(__dirname, '..', '..', '..', '..');

/** An embedded installation in a folder of its own, as `pnpm start` would leave it. */
export interface Installation {
  readonly cwd: string;
  readonly adminKey: string;
  readonly connectionId: string;
  /** The access token the network issued, as the API returned it. */
  readonly accessToken: string;
}

/** Environment for a server of the installation, on a free port. */
export async function serverEnv(
  installation: Pick<Installation, 'adminKey'>,
  env: Record<string, string>,
): Promise<Record<string, string>> {
  const port = await freePort();
  return {
    TETHER_ADMIN_KEY: installation.adminKey,
    PORT: String(port),
    TETHER_PUBLIC_URL: `http://127.0.0.1:${port}`,
    ...env,
  };
}

/** Connects a fixture account through a running server's sandbox; returns it and its token. */
export async function connectAccount(
  url: string,
  adminKey: string,
): Promise<{ connectionId: string; accessToken: string }> {
  const headers = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
  const started = (await (
    await fetch(`${url}/api/v1/connect-sessions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ provider: 'fixture' }),
    })
  ).json()) as { authorizationUrl: string; id: string };
  await fetch(await consentAt(started.authorizationUrl), { redirect: 'manual' });
  const session = (await (
    await fetch(`${url}/api/v1/connect-sessions/${started.id}`, { headers })
  ).json()) as { connectionIds: string[] };
  const connectionId = session.connectionIds[0]!;
  const { accessToken } = (await (
    await fetch(`${url}/api/v1/connections/${connectionId}/token`, { headers })
  ).json()) as { accessToken: string };
  return { connectionId, accessToken };
}

/**
 * Starts the built server in a new folder on the fixture provider, connects one account through
 * the sandbox and stops it: the folder then holds a database with real, encrypted tokens.
 */
export async function populatedInstallation(env: Record<string, string>): Promise<Installation> {
  const cwd = configDirectory({ providers: FIXTURE_PROVIDERS });
  const adminKey = 'a'.repeat(40);
  const server = spawnServer(cwd, await serverEnv({ adminKey }, env));
  try {
    const url = await server.listening();
    return { cwd, adminKey, ...(await connectAccount(url, adminKey)) };
  } finally {
    await server.stop();
  }
}

/**
 * Runs `pnpm tether …` as the README says, from `cwd` (the folder the person is in), against the
 * repository's root script. Returns the exit code and what it printed.
 */
export function runTether(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('pnpm', ['--silent', '--dir', REPO_ROOT, 'tether', ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
