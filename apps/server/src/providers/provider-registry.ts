import { Logger } from '@nestjs/common';
import { type NetworkAnswer, remainingCalls } from '@tether/core';
import type {
  ClientCredentials,
  ProviderCallContext,
  ProviderLogger,
  ProviderRuntime,
} from '@tether/provider-sdk';
import type { Clock } from '../clock/clock';
import { engineFetch, SANDBOX_CLIENT, SimulatorEngine, simulatorUrl } from '@tether/simulator';
import { DomainError } from '../domain-error';
import { NetworkSlots } from '../lifecycle/network-slots';
import { redirectedFetch, redirectedUrl } from './network-redirect';
import type { LoadedProvider } from './provider-loader';

/** A loaded provider wired to run: its runtime, its credentials, and its sandbox simulator if any. */
export interface ActiveProvider extends LoadedProvider {
  readonly runtime: ProviderRuntime;
  /** The credentials it runs with: the sandbox's, or the configured ones. */
  readonly client?: ClientCredentials;
  /** The simulator it talks to instead of the network, in sandbox mode. */
  readonly sandbox?: SimulatorEngine;
}

/**
 * A provider's fetch: calls give up at half a lifecycle lease (20 s at most), so a hung network
 * never outlives it, and every answer tells `answered` how the network takes the load.
 */
function networkFetch(
  fetcher: typeof fetch,
  leaseSeconds: number,
  answered: (answer: NetworkAnswer) => void,
): typeof fetch {
  const milliseconds = Math.min(20_000, leaseSeconds * 500);
  return async (input, init) => {
    const response = await fetcher(input, {
      ...init,
      signal: init?.signal ?? AbortSignal.timeout(milliseconds),
    });
    const remaining = remainingCalls(Object.fromEntries(response.headers));
    answered({ status: response.status, ...(remaining !== undefined ? { remaining } : {}) });
    return response;
  };
}

/** A provider's logger: its context becomes fields of the line, where redaction reaches them. */
function providerLogger(id: string): ProviderLogger {
  const logger = new Logger(`provider:${id}`);
  const line = (message: string, context?: Record<string, unknown>) => ({
    ...context,
    provider: id,
    msg: message,
  });
  return {
    debug: (message, context) => logger.debug(line(message, context)),
    info: (message, context) => logger.log(line(message, context)),
    warn: (message, context) => logger.warn(line(message, context)),
    error: (message, context) => logger.error(line(message, context)),
  };
}

/** The providers this deployment runs, by id. */
export class ProviderRegistry {
  private readonly byId: ReadonlyMap<string, ActiveProvider>;
  /** Calls in flight to each network, within what the network's answers allow. */
  readonly slots = new NetworkSlots();

  /**
   * @param publicUrl where the server is reached, for sandbox consent pages.
   * @param sandbox whether providers with a simulator talk to it instead of their network.
   */
  constructor(
    providers: readonly LoadedProvider[],
    private readonly settings: {
      readonly publicUrl: string;
      readonly sandbox: boolean;
      readonly leaseSeconds: number;
      readonly clock: Clock;
    },
  ) {
    this.byId = new Map(
      providers.map((loaded): [string, ActiveProvider] => {
        const logger = providerLogger(loaded.id);
        const answered = (answer: NetworkAnswer) => this.slots.answered(loaded.id, answer);
        // An explicitly configured simulator wins over the built-in sandbox.
        if (loaded.simulator) {
          return [
            loaded.id,
            {
              ...loaded,
              client: loaded.client ?? SANDBOX_CLIENT,
              runtime: {
                fetch: networkFetch(
                  redirectedFetch(loaded.simulator),
                  settings.leaseSeconds,
                  answered,
                ),
                clock: settings.clock,
                logger,
              },
            },
          ];
        }
        if (settings.sandbox && loaded.simulation) {
          const engine = new SimulatorEngine(loaded.simulation, SANDBOX_CLIENT);
          return [
            loaded.id,
            {
              ...loaded,
              client: SANDBOX_CLIENT,
              sandbox: engine,
              runtime: {
                fetch: networkFetch(engineFetch(engine), settings.leaseSeconds, answered),
                clock: settings.clock,
                logger,
              },
            },
          ];
        }
        return [
          loaded.id,
          {
            ...loaded,
            runtime: {
              fetch: networkFetch(globalThis.fetch, settings.leaseSeconds, answered),
              clock: settings.clock,
              logger,
            },
          },
        ];
      }),
    );
  }

  list(): ActiveProvider[] {
    return [...this.byId.values()];
  }

  /** The provider with this id, or `undefined` when this deployment no longer loads it. */
  find(id: string): ActiveProvider | undefined {
    return this.byId.get(id);
  }

  /** What a provider operation gets for this deployment: its runtime, credentials, id and options. */
  static callContext(active: ActiveProvider, client: ClientCredentials): ProviderCallContext {
    return { runtime: active.runtime, client, providerId: active.id, options: active.options };
  }

  /** The provider with this id, or a PROVIDER_NOT_FOUND error. */
  get(id: string): ActiveProvider {
    const active = this.byId.get(id);
    if (!active) {
      throw new DomainError(
        'PROVIDER_NOT_FOUND',
        `No provider '${id}' is loaded. GET /api/v1/providers lists the loaded ones.`,
      );
    }
    return active;
  }

  /** Where a person's browser goes for a network URL: the network itself, or its sandbox simulator. */
  browserUrl(active: ActiveProvider, networkUrl: string): string {
    if (active.simulator) return redirectedUrl(active.simulator, networkUrl);
    return active.sandbox
      ? simulatorUrl(`${this.settings.publicUrl}/sandbox/${active.id}`, networkUrl)
      : networkUrl;
  }
}
