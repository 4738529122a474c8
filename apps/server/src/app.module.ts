import { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/knex';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { type DynamicModule, Inject, Module, type OnModuleInit } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { createOrmOptions } from '@tether/persistence';
import { LoggerModule } from 'nestjs-pino';
import type { Logger as PinoLogger } from 'pino';
import { QueueModule } from '@tether/scheduler';
import { Clock } from './clock/clock';
import { TETHER_CONFIG } from './config/config.token';
import type { TetherConfig } from './config/tether-config';
import { HealthController } from './health/health.controller';
import { ApiKeyGuard } from './identity/api-key.guard';
import { IdentityController, WorkspacesController } from './identity/identity.controller';
import { IdentityService } from './identity/identity.service';
import { SignInLinks } from './identity/sign-in-links';
import { SignInLinksController } from './identity/sign-in-links.controller';
import { ProblemFilter } from './http/problem.filter';
import { RateLimitGuard, rateLimitModule } from './http/rate-limits';
import { ProviderRegistry } from './providers/provider-registry';
import { ProvidersController } from './providers/providers.controller';
import { AuthorizationStore } from './connections/authorization-store';
import { ConnectService } from './connections/connect.service';
import {
  ConnectionsController,
  ConnectSessionsController,
} from './connections/connections.controller';
import { ConnectionsService } from './connections/connections.service';
import { OAuthCallbackController } from './connections/oauth-callback.controller';
import { ConnectionEventLog } from './connections/connection-event-log';
import { DatabaseWatch } from './health/database-watch';
import { HttpMetrics } from './http/http-metrics';
import { NestLogger } from './logging/logger';
import { MetricsRegistry } from './metrics/metrics-registry';
import { NotificationMetrics } from './notifications/notification-metrics';
import { verifyStoredKeys } from './security/stored-keys';
import { TokenCipher } from './security/token-cipher';
import { ScheduleModule } from '@nestjs/schedule';
import { ReportedErrors } from './lifecycle/reported-errors';
import { LifecycleProcessor } from './lifecycle/lifecycle.processor';
import { LifecycleSweep } from './lifecycle/lifecycle.sweep';
import { MetricsController } from './lifecycle/metrics.controller';
import { LIFECYCLE_SERVICES } from './lifecycle/lifecycle-services';
import { TokenController } from './lifecycle/token.controller';
import { join } from 'node:path';
import { DeliveryAttempts } from './notifications/delivery-attempts';
import { EmailSender } from './notifications/email-sender';
import { IncidentNotices } from './notifications/incident-notices';
import { MAILER, Mailer } from './notifications/mailer';
import { NotificationsController } from './notifications/notifications.controller';
import { NotifierService } from './notifications/notifier.service';
import { NotificationSettingsController } from './notifications/notification-settings.controller';
import { RecipientFanOut } from './notifications/recipient-fan-out';
import { ReminderNotices } from './notifications/reminder-notices';
import { WebhookSender } from './notifications/webhook-sender.service';
import { WebhooksController } from './notifications/webhooks.controller';
import { ConnectPageController } from './pages/connect-page.controller';
import { PageLinks } from './pages/page-links';
import { ReconnectPageController } from './pages/reconnect-page.controller';
import { SignedLinks } from './security/signed-links';

/**
 * Applies pending migrations, checks the encryption keys against the stored tokens and creates
 * the default workspace, before any worker starts or the server listens.
 */
class DatabaseBootstrap implements OnModuleInit {
  constructor(
    @Inject(MikroORM) private readonly orm: MikroORM,
    @Inject(IdentityService) private readonly identity: IdentityService,
    @Inject(TokenCipher) private readonly cipher: TokenCipher,
    @Inject(TETHER_CONFIG) private readonly config: TetherConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.orm.getMigrator().up();
    await verifyStoredKeys((this.orm.em as EntityManager).getKnex(), this.cipher, this.config);
    await this.identity.bootstrap();
  }
}

/** The host, wired from a validated configuration and the providers loaded from it. */
@Module({})
export class AppModule {
  static forRoot(
    config: TetherConfig,
    registry: ProviderRegistry,
    cipher: TokenCipher,
    clock: Clock,
    logger: PinoLogger,
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // The HTTP logger is mounted by createApp, ahead of every other middleware.
        LoggerModule.forRoot({ pinoHttp: { logger }, useExisting: true }),
        MikroOrmModule.forRoot({ ...createOrmOptions(config), registerRequestContext: true }),
        ScheduleModule.forRoot(),
        rateLimitModule(config),
        QueueModule.forRoot({
          redisUrl: config.redisUrl,
          prefix: config.queuePrefix,
          isGlobal: true,
        }),
      ],
      controllers: [
        HealthController,
        ProvidersController,
        IdentityController,
        WorkspacesController,
        SignInLinksController,
        ConnectSessionsController,
        ConnectionsController,
        OAuthCallbackController,
        TokenController,
        MetricsController,
        NotificationsController,
        NotificationSettingsController,
        WebhooksController,
        ReconnectPageController,
        ConnectPageController,
      ],
      providers: [
        { provide: TETHER_CONFIG, useValue: config },
        { provide: Clock, useValue: clock },
        { provide: ProviderRegistry, useValue: registry },
        { provide: TokenCipher, useValue: cipher },
        ...LIFECYCLE_SERVICES,
        NestLogger,
        MetricsRegistry,
        HttpMetrics,
        DatabaseWatch,
        ConnectionEventLog,
        AuthorizationStore,
        ConnectService,
        ConnectionsService,
        ReportedErrors,
        LifecycleSweep,
        LifecycleProcessor,
        NotifierService,
        IncidentNotices,
        ReminderNotices,
        RecipientFanOut,
        NotificationMetrics,
        DeliveryAttempts,
        EmailSender,
        WebhookSender,
        SignedLinks,
        PageLinks,
        {
          provide: MAILER,
          useValue: new Mailer({
            ...(config.smtpUrl ? { smtpUrl: config.smtpUrl } : {}),
            from: config.mailFrom,
            outboxDir: join(config.dataDir, 'outbox'),
          }),
        },
        IdentityService,
        SignInLinks,
        DatabaseBootstrap,
        // Counted before the key is checked, so a flood of bad keys is limited too.
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
