import { createServer } from 'node:net';
import { ConfigurationError, type TetherConfig } from '../config/tether-config';

/** What a failure to listen means, naming the setting to change. */
export function describeListenError(error: unknown, config: TetherConfig): ConfigurationError {
  const code = (error as { code?: unknown }).code;
  const where = `${config.host ?? 'every interface'}, port ${config.port}`;
  switch (code) {
    case 'EADDRINUSE':
      return new ConfigurationError([
        `PORT ${config.port} is already in use on ${config.host ?? 'this machine'}: another program (perhaps another Tether) listens there. Stop it, or set PORT to a free port.`,
      ]);
    case 'EACCES':
      return new ConfigurationError([
        `PORT ${config.port} needs privileges this process does not have (${where}). Set PORT to 1024 or above, or put a proxy in front.`,
      ]);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return new ConfigurationError([
        `HOST "${config.host ?? ''}" is not an address of this machine. Set HOST to one of its addresses, 127.0.0.1 (this machine only) or 0.0.0.0 (every interface).`,
      ]);
    default:
      return new ConfigurationError([
        `Cannot listen on ${where} (${error instanceof Error ? error.message : String(error)}). Check HOST and PORT.`,
      ]);
  }
}

/**
 * Tries the address before anything else starts, so a port in use or a wrong HOST is reported
 * before the database is touched. Port 0 (any free port) needs no probe.
 */
export async function probeListenAddress(config: TetherConfig): Promise<void> {
  if (config.port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error) => reject(describeListenError(error, config)));
    probe.listen({ port: config.port, ...(config.host ? { host: config.host } : {}) }, () =>
      probe.close(() => resolve()),
    );
  });
}

/** The start-up line: where Tether listens, in which mode, and whether the sandbox is on. */
export function describeStart(config: TetherConfig, url: string): string {
  const bound = config.host ? `${config.host} only` : 'every interface';
  const mode = config.databaseUrl
    ? `distributed mode (PostgreSQL, ${config.redisUrl ? 'Bull on Redis' : 'in-process queue'})`
    : `embedded mode (SQLite in ${config.dataDir}, ${config.redisUrl ? 'Bull on Redis' : 'in-process queue'})`;
  const sandbox = config.sandbox
    ? 'sandbox on: simulated networks under /sandbox, whose pages and control API take no key'
    : 'sandbox off';
  return `Tether listening on ${url} (${bound}), ${mode}, ${sandbox}; API docs at /docs`;
}
