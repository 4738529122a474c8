import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { systemClock } from '@tether/provider-sdk';
import type { DestinationStream, Logger } from 'pino';
import { AppModule } from './app.module';
import type { Clock } from './clock/clock';
import type { TetherConfig } from './config/tether-config';
import { answerClientErrorsWithProblems } from './http/client-errors';
import { useJsonBodies } from './http/json-body';
import { openApiDocument } from './http/openapi-document';
import { limitSandboxRequests } from './http/rate-limits';
import { HttpMetrics } from './http/http-metrics';
import { createLogger, httpLogger, NestLogger } from './logging/logger';
import { serveConsole } from './pages/console';
import { loadProviders } from './providers/provider-loader';
import { ProviderRegistry } from './providers/provider-registry';
import { type EncryptionKey, generatedEncryptionKeys, TokenCipher } from './security/token-cipher';

function generatedKeys(dataDir: string, logger: Logger): readonly EncryptionKey[] {
  const generated = generatedEncryptionKeys(dataDir);
  if (generated.created) {
    logger.info(
      { context: 'Tether', file: generated.file },
      `Generated a token encryption key and wrote it to ${generated.file} (readable only by its owner). Back it up: stored tokens cannot be read without it.`,
    );
  }
  return generated.keys;
}

/** Options for building the application. */
export interface CreateAppOptions {
  /** Where log lines go instead of stdout (as JSON unless the configuration says `pretty`). */
  readonly logDestination?: DestinationStream;
  /** The time source for the whole host and its providers; the system clock by default. */
  readonly clock?: Clock;
}

/**
 * Builds the Nest application from a validated configuration: loads provider packages (failing
 * with a `ConfigurationError` naming each bad one), migrates the database and serves the
 * OpenAPI document at `/openapi.json` with its UI at `/docs`.
 */
export async function createApp(
  config: TetherConfig,
  options: CreateAppOptions = {},
): Promise<INestApplication> {
  const logger = createLogger(config, options.logDestination);
  const providers = await loadProviders(config.providers, {
    baseDir: config.baseDir,
    sandbox: config.sandbox,
  });
  const clock = options.clock ?? systemClock;
  const registry = new ProviderRegistry(providers, {
    publicUrl: config.publicUrl,
    sandbox: config.sandbox,
    leaseSeconds: config.leaseSeconds,
    clock,
  });
  const cipher = new TokenCipher(config.encryptionKeys ?? generatedKeys(config.dataDir, logger));
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, registry, cipher, clock, logger),
    {
      // Held until the logger below takes over, so Nest's first lines are structured too.
      bufferLogs: true,
      bodyParser: false,
      // Fail by throwing, so the caller reports it; Nest would otherwise exit the process itself.
      abortOnError: false,
    },
  );
  app.useLogger(app.get(NestLogger));
  // First, so that every request, the sandbox's and refused ones included, has its id and line.
  app.use(httpLogger(logger));
  app.use(app.get(HttpMetrics).middleware);
  // Per-address limits count the client, not the proxies in front of Tether.
  if (config.trustedProxies > 0) app.set('trust proxy', config.trustedProxies);
  // Simulators read their own bodies, so they are mounted before the JSON parser.
  if (config.sandbox) limitSandboxRequests(app, config);
  for (const active of registry.list()) {
    if (active.sandbox) app.use(`/sandbox/${active.id}`, active.sandbox.handle);
  }
  serveConsole(app, config, logger);
  answerClientErrorsWithProblems(app.getHttpServer());
  useJsonBodies(app, config.bodyLimitBytes);
  app.disable('x-powered-by');
  app.enableShutdownHooks();
  const document = openApiDocument(app, { sandbox: config.sandbox, registry });
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'openapi.json',
    yamlDocumentUrl: 'openapi.yaml',
  });
  return app;
}
