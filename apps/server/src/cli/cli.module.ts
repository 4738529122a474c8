import { MikroOrmModule } from '@mikro-orm/nestjs';
import { type DynamicModule, Module } from '@nestjs/common';
import { createOrmOptions } from '@tether/persistence';
import { Registry } from 'prom-client';
import { Clock } from '../clock/clock';
import { TETHER_CONFIG } from '../config/config.token';
import type { TetherConfig } from '../config/tether-config';
import { ConnectionsService } from '../connections/connections.service';
import { IdentityService } from '../identity/identity.service';
import { MetricsRegistry } from '../metrics/metrics-registry';
import { ProviderRegistry } from '../providers/provider-registry';
import { LIFECYCLE_SERVICES } from '../lifecycle/lifecycle-services';
import { TokenCipher } from '../security/token-cipher';

/**
 * The host's services a command needs, without what a server runs on its own: no HTTP, no
 * sweep, no notifier and no queue workers, so a command never takes jobs from the servers.
 * Events a command causes are sent by the servers' notifier, as for any other change.
 */
@Module({})
export class CliModule {
  static forRoot(
    config: TetherConfig,
    registry: ProviderRegistry,
    cipher: TokenCipher,
    clock: Clock,
  ): DynamicModule {
    return {
      module: CliModule,
      imports: [MikroOrmModule.forRoot({ ...createOrmOptions(config), debug: false })],
      providers: [
        { provide: TETHER_CONFIG, useValue: config },
        { provide: Clock, useValue: clock },
        { provide: ProviderRegistry, useValue: registry },
        { provide: TokenCipher, useValue: cipher },
        IdentityService,
        ConnectionsService,
        // Counted and dropped: a command serves no metrics, nor watches the process for them.
        { provide: MetricsRegistry, useValue: new Registry() },
        ...LIFECYCLE_SERVICES,
      ],
    };
  }
}
