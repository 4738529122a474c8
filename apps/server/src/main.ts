import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { invocationDirectory } from './config/invocation-directory';
import { loadConfig } from './config/tether-config';
import { createApp } from './create-app';
import { logRefusal } from './logging/refusal';
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
  logRefusal(error, {
    env: process.env,
    fd: 1,
    lead: 'Tether cannot start',
    event: 'startup.refused',
  });
  process.exit(1);
});
