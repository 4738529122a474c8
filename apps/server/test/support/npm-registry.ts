import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './server';

/**
 * Runs a command to its end without blocking the test worker (installs take a while), and
 * returns its output; a failure carries the command's output in its message.
 */
export async function run(command: string, args: string[], cwd: string): Promise<string> {
  const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
  try {
    const { stdout } = await promisify(execFile)(command, args, {
      cwd,
      env,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout}\n${stderr}`);
  }
}

/** Packs the package in `dir` into `destination` with pnpm (workspace ranges become versions); returns the tarball's path. */
export async function pack(dir: string, destination: string): Promise<string> {
  const output = await run('pnpm', ['pack', '--pack-destination', destination, '--json'], dir);
  return (JSON.parse(output) as { filename: string }).filename;
}

/** A Verdaccio npm registry on this machine, with storage of its own and no uplinks. */
export interface NpmRegistry {
  /** Its address, ending in `/`. */
  readonly url: string;
  /** An `.npmrc` that takes `@tether/*` from this registry and every other package as usual. */
  readonly scopeNpmrc: string;
  /** Packs the package in `dir` with pnpm (workspace ranges become versions) and publishes it here. */
  publish(dir: string): Promise<void>;
  close(): Promise<void>;
}

export async function startRegistry(): Promise<NpmRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'tether-registry-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  // Anyone may read and publish; a package it does not hold is not fetched from anywhere else.
  const config = {
    storage: join(dir, 'storage'),
    auth: { htpasswd: { file: join(dir, 'htpasswd'), max_users: -1 } },
    uplinks: {},
    packages: { '**': { access: '$all', publish: '$anonymous' } },
    log: { type: 'stdout', format: 'json', level: 'warn' },
  };
  // JSON is YAML, which Verdaccio reads.
  writeFileSync(join(dir, 'config.yaml'), JSON.stringify(config));
  const bin = join(dirname(require.resolve('verdaccio/package.json')), 'bin', 'verdaccio');
  const child = spawn(
    process.execPath,
    [bin, '--config', join(dir, 'config.yaml'), '--listen', `127.0.0.1:${port}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (gone) throw new Error(`the registry exited:\n${output}`);
    const ping = await fetch(`${url}-/ping`).catch(() => undefined);
    if (ping?.ok) break;
    if (Date.now() > deadline) throw new Error(`the registry did not answer:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  // The npm client asks for a token before publishing; the registry takes anonymous ones.
  const token = `--//127.0.0.1:${port}/:_authToken=anonymous`;
  return {
    url,
    scopeNpmrc: `@tether:registry=${url}\n`,
    publish: async (packageDir) => {
      const packed = mkdtempSync(join(tmpdir(), 'tether-packed-'));
      try {
        const tarball = await pack(packageDir, packed);
        await run('npm', ['publish', tarball, '--registry', url, token], packed);
      } finally {
        rmSync(packed, { recursive: true, force: true });
      }
    },
    close: async () => {
      if (!gone) child.kill();
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
