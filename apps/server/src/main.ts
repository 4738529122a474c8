import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { invocationDirectory } from './config/invocation-directory';
import { ConfigurationError, loadConfig } from './config/tether-config';
import { createApp } from './create-app';
import { checkDatabase } from './startup/database-check';
import { describeListenError, describeStart, probeListenAddress } from './startup/listen-address';
import { checkQueue } from './startup/queue-check';

async function main(): Promise<void> {
  const config = loadConfig(process.env, invocationDirectory());
  await probeListenAddress(config);
  await checkDatabase(config);
  const app = await createApp(config);
  // Migrations run and the stored keys are checked here, before anything is served.
  await app.init();
  await checkQueue(app, config);
  try {
    await (config.host ? app.listen(config.port, config.host) : app.listen(config.port));
  } catch (error) {
    throw describeListenError(error, config);
  }
  Logger.log(describeStart(config, await app.getUrl()), 'Tether');
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
