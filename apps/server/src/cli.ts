#!/usr/bin/env node
import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/core';
import { createOrmOptions } from '@tether/persistence';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { invocationDirectory } from './config/invocation-directory';
import { ConfigurationError, loadConfig, type TetherConfig } from './config/tether-config';
import { logRefusal } from './logging/refusal';
import { loadProviders } from './providers/provider-loader';
import { checkConnection, listConnections } from './cli/connection-commands';
import { createKey, listKeys, listUsers, revokeKey } from './cli/identity-commands';
import { describeDatabase, requireInstallation, withServices } from './cli/installation';
import { reencrypt } from './cli/reencrypt-command';
import { checkDatabase } from './startup/database-check';
import { checkRedis } from './startup/queue-check';

const out = (line: string) => process.stdout.write(`${line}\n`);

/** Settings are read from where the person runs the command, as the server reads them. */
const config = (): TetherConfig => loadConfig(process.env, invocationDirectory());

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1)
    throw new InvalidArgumentError('a whole number of at least 1.');
  return parsed;
}

async function migrate(): Promise<void> {
  const settings = config();
  out(`Database: ${describeDatabase(settings)}`);
  await requireInstallation(settings, { mayCreateDatabase: true });
  const orm = await MikroORM.init({ ...createOrmOptions(settings), debug: false });
  try {
    const applied = await orm.getMigrator().up();
    out(
      applied.length === 0
        ? 'The database is up to date.'
        : `Applied ${applied.length} migration(s): ${applied.map((m) => m.name).join(', ')}.`,
    );
  } finally {
    await orm.close(true);
  }
}

/**
 * The same validation the server runs before it starts, without starting anything: the settings,
 * the provider packages, and in distributed mode whether PostgreSQL (with the named database)
 * and Redis answer. Creates nothing.
 */
async function checkConfig(): Promise<void> {
  const settings = config();
  const providers = await loadProviders(settings.providers, {
    baseDir: settings.baseDir,
    sandbox: settings.sandbox,
  });
  const problems: string[] = [];
  const reachable = async (check: Promise<void>) => {
    try {
      await check;
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      problems.push(...error.problems);
    }
  };
  // The embedded database is a file the server creates: nothing to reach.
  if (settings.databaseUrl) await reachable(checkDatabase({ ...settings, createDatabase: false }));
  await reachable(checkRedis(settings));
  if (problems.length > 0) throw new ConfigurationError(problems);
  out(`The configuration is valid (read in ${settings.baseDir}).`);
  out(
    `  Mode:      ${settings.databaseUrl ? 'distributed' : 'embedded'}; ${describeDatabase(settings)}${settings.databaseUrl ? ', reachable' : ''}`,
  );
  out(`  Queue:     ${settings.redisUrl ? 'Bull on Redis, reachable' : 'in-process'}`);
  out(`  Listens:   ${settings.host ?? 'every interface'}, port ${settings.port}`);
  out(`  Sandbox:   ${settings.sandbox ? 'on' : 'off'}`);
  out(`  Providers: ${providers.map((provider) => provider.id).join(', ')}`);
}

function program(): Command {
  const tether = new Command('tether')
    .description(
      'Operate a Tether installation. Paths (data folder, SQLite file, tether.config.json) resolve from the folder you run it in, as for the server; settings come from the same environment variables.',
    )
    .showHelpAfterError()
    .exitOverride();
  const workspace = () =>
    new Option('-w, --workspace <id>', 'the workspace to work in').default('default');

  tether
    .command('reencrypt')
    .description(
      'Re-encrypt every stored token and secret under the first key of TETHER_ENCRYPTION_KEYS. Safe while servers run; run it again to resume after an interruption.',
    )
    .option('--batch-size <rows>', 'rows per batch', positiveInteger, 200)
    .action((options: { batchSize: number }) => reencrypt(config(), out, options));
  tether
    .command('migrate')
    .description(
      'Apply pending database migrations (the server also does on start). Creates a missing PostgreSQL database only with TETHER_CREATE_DATABASE=true.',
    )
    .action(migrate);
  tether
    .command('check-config')
    .description(
      'Validate settings and provider packages, and that PostgreSQL and Redis answer (distributed mode), without starting or creating anything; exit 1 naming the settings to fix.',
    )
    .action(checkConfig);

  const keys = tether.command('keys').description('Workspace API keys.');
  keys
    .command('create')
    .description('Create an API key; its secret is shown once, now.')
    .requiredOption('-n, --name <name>', 'what the key is for')
    .addOption(
      new Option('-s, --scope <scope>', 'what it may do')
        .choices(['admin', 'tokens:read'])
        .default('admin'),
    )
    .option('-u, --user <id>', 'the user the key acts as')
    .addOption(workspace())
    .action(
      (options: {
        name: string;
        scope: 'admin' | 'tokens:read';
        user?: string;
        workspace: string;
      }) =>
        withServices(config(), (services) =>
          createKey(
            services,
            options.workspace,
            {
              name: options.name,
              scope: options.scope,
              ...(options.user ? { userId: options.user } : {}),
            },
            out,
          ),
        ),
    );
  keys
    .command('list')
    .description('List the active API keys (never their secrets).')
    .addOption(workspace())
    .action((options: { workspace: string }) =>
      withServices(config(), (services) => listKeys(services, options.workspace, out)),
    );
  keys
    .command('revoke')
    .description('Revoke an API key: it is refused from then on.')
    .argument('<id>', 'the key id, from `tether keys list`')
    .addOption(workspace())
    .action((id: string, options: { workspace: string }) =>
      withServices(config(), (services) => revokeKey(services, options.workspace, id, out)),
    );

  const users = tether.command('users').description('People in a workspace.');
  users
    .command('list')
    .description('List the workspace’s users.')
    .addOption(workspace())
    .action((options: { workspace: string }) =>
      withServices(config(), (services) => listUsers(services, options.workspace, out)),
    );

  const connections = tether.command('connections').description('Connected accounts.');
  connections
    .command('list')
    .description('List connections, newest first.')
    .addOption(
      new Option('--status <status>', 'only this status').choices([
        'active',
        'expiring',
        'degraded',
        'expired',
        'revoked',
      ]),
    )
    .option('--provider <id>', 'only this network')
    .option('--limit <count>', 'at most this many', positiveInteger, 100)
    .option('--cursor <cursor>', 'continue after a previous page')
    .addOption(workspace())
    .action(
      (options: {
        status?: 'active' | 'expiring' | 'degraded' | 'expired' | 'revoked';
        provider?: string;
        limit: number;
        cursor?: string;
        workspace: string;
      }) =>
        withServices(config(), (services) =>
          listConnections(
            services,
            options.workspace,
            {
              limit: options.limit,
              ...(options.status ? { status: options.status } : {}),
              ...(options.provider ? { provider: options.provider } : {}),
              ...(options.cursor ? { cursor: options.cursor } : {}),
            },
            out,
          ),
        ),
    );
  connections
    .command('check')
    .description(
      'Run a connection’s health check now and apply what it finds, as the API’s check does. With the sandbox on, the running server’s simulators answer.',
    )
    .argument('<id>', 'the connection id')
    .addOption(workspace())
    .action((id: string, options: { workspace: string }) =>
      withServices(config(), (services) => checkConnection(services, options.workspace, id, out)),
    );
  return tether;
}

/** Exit codes: 0 done (and for help), 1 the command failed, 2 the command line was wrong. */
async function main(argv: string[]): Promise<void> {
  const tether = program();
  try {
    if (argv.length === 0) {
      tether.outputHelp({ error: true });
      process.exitCode = 2;
      return;
    }
    await tether.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    throw error;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  logRefusal(error, { env: process.env, fd: 2, lead: 'tether', event: 'command.failed' });
  // A failure half-way through setting up (a database pool already open) must not keep the
  // command alive: stop here.
  process.exit(1);
});
