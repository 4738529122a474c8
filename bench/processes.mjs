// The processes a run drives: the built server (as an operator starts it) and the X simulator.
import { fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { SERVER_MAIN, SERVER_NODE_FLAGS } from './server-modules.mjs';

/**
 * Starts `node [the start script's flags] apps/server/dist/main.js` in `cwd`; resolves once it
 * logs its URL.
 */
export async function startServer(cwd, env) {
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, SERVER_MAIN], {
    cwd,
    // BENCH_SERVER_NODE_OPTIONS reaches the server only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`.
    env: {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      NODE_OPTIONS: process.env.BENCH_SERVER_NODE_OPTIONS ?? '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  // Error lines the server logged: a figure measured while the server failed is not one to keep.
  const errors = [];
  let partial = '';
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 120_000);
    const collect = (chunk) => {
      output += chunk.toString();
      const match = /Tether listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1].replace('[::1]', '127.0.0.1'));
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  // Keep only the tail: a long run logs a lot, and the harness shows it only when something fails.
  child.stdout.on('data', () => (output = output.slice(-20_000)));
  for (const stream of [child.stdout, child.stderr])
    stream.on('data', (chunk) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop();
      errors.push(...lines.filter((line) => /"level":"(error|fatal)"/.test(line)));
    });
  return {
    url,
    pid: child.pid,
    output: () => output,
    errors: () => errors,
    rssMb: () => rssMb(child.pid),
    cpuSeconds: () => cpuSeconds(child.pid),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** Resident memory of a process in MB, from /proc/<pid>/status. */
function rssMb(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** User + system CPU seconds a process used so far, from /proc/<pid>/stat. */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command name.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Starts the X simulator process (`x-simulator.mjs`) and returns its URL and IPC calls. */
export async function startSimulator() {
  const child = fork(new URL('./x-simulator.mjs', import.meta.url), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map();
  let next = 0;
  const url = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
    child.on('message', (message) => {
      if (message.type === 'ready') resolve(message.url);
      else pending.get(message.id)?.(message);
    });
  });
  const call = (message) =>
    new Promise((resolve) => {
      const id = (next += 1);
      pending.set(id, (reply) => {
        pending.delete(id);
        resolve(reply);
      });
      child.send({ ...message, id });
    });
  return {
    url,
    pid: child.pid,
    seed: (prefix, count) => call({ type: 'seed', prefix, count }),
    tokenCalls: () => call({ type: 'tokenCalls' }),
    forget: () => call({ type: 'forget' }),
    control: (path, body) =>
      fetch(`${url}/_control/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then((response) => response.json()),
    cpuSeconds: () => cpuSeconds(child.pid),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.disconnect();
      }),
  };
}
