import { ApiError } from '../http/errors';
import type { LoadedProvider } from './provider-loader';

/** The providers this deployment loaded, by id. */
export class ProviderRegistry {
  private readonly byId: ReadonlyMap<string, LoadedProvider>;

  constructor(providers: readonly LoadedProvider[]) {
    this.byId = new Map(providers.map((loaded) => [loaded.id, loaded]));
  }

  list(): LoadedProvider[] {
    return [...this.byId.values()];
  }

  /** The provider with this id, or a 404 problem. */
  get(id: string): LoadedProvider {
    const loaded = this.byId.get(id);
    if (!loaded) {
      throw new ApiError(
        'PROVIDER_NOT_FOUND',
        `No provider '${id}' is loaded. GET /api/v1/providers lists the loaded ones.`,
      );
    }
    return loaded;
  }
}
