import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadConfig, ConfigurationError } from './config/tether-config';
import { createApp } from './create-app';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config);
  await app.listen(config.port);
  const mode = `${config.databaseUrl ? 'PostgreSQL' : 'embedded SQLite'}, ${config.redisUrl ? 'Bull on Redis' : 'in-process queue'}`;
  Logger.log(`Tether listening on ${await app.getUrl()} (${mode}); API docs at /docs`, 'Tether');
}

main().catch((error: unknown) => {
  if (error instanceof ConfigurationError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(
      `Tether failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
  process.exit(1);
});
