import { simulatorFetch, simulatorUrl } from '@tether/simulator';
import type { SimulatorSetting } from '../config/config-file';

/** Where a network URL goes under a provider's `simulator` setting. */
export function redirectedUrl(setting: SimulatorSetting, networkUrl: string): string {
  if (setting.addressing === 'simulator') return simulatorUrl(setting.url, networkUrl);
  const network = new URL(networkUrl);
  return `${setting.url}${network.pathname}${network.search}`;
}

/** A `fetch` that sends every network call where the provider's `simulator` setting says. */
export function redirectedFetch(setting: SimulatorSetting): typeof fetch {
  if (setting.addressing === 'simulator') return simulatorFetch(setting.url);
  return (input, init) => {
    if (input instanceof Request)
      return fetch(new Request(redirectedUrl(setting, input.url), input), init);
    return fetch(redirectedUrl(setting, input.toString()), init);
  };
}
