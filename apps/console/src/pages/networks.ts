import { h, replace } from '../dom';
import { catalog, type CatalogEntry } from '../networks';
import { pageShown, type PageContext } from '../page';

/** `60 days`, `2 hours`, or that it does not run out by time. */
function lifetime(seconds: number | null | undefined): string {
  if (seconds === undefined) return '—';
  if (seconds === null) return 'does not expire by time';
  if (seconds >= 86_400) return `${Math.round(seconds / 86_400)} days`;
  if (seconds >= 3_600) return `${Math.round(seconds / 3_600)} hours`;
  return `${Math.round(seconds / 60)} minutes`;
}

const STRATEGIES: Record<CatalogEntry['refresh']['kind'], string> = {
  refresh_token: 'renewed with a refresh token',
  extend: 'extended before it runs out',
  reauthorize: 'the person must sign in again',
  none: 'lasts until revoked',
};

function entry(network: CatalogEntry): HTMLElement {
  const scopes = [...network.scopes.required, ...network.scopes.optional];
  const item = (term: string, value: Node | string) => [h('dt', {}, term), h('dd', {}, value)];
  return h(
    'section',
    { class: 'card', 'aria-labelledby': `network-${network.id}` },
    h('h2', { id: `network-${network.id}` }, network.displayName),
    h(
      'dl',
      { class: 'details' },
      ...item('Id', network.id),
      ...item('Credentials', network.credentials),
      ...item(
        'Availability',
        network.availability.status +
          (network.availability.why ? `: ${network.availability.why}` : ''),
      ),
      ...item('Network health', network.network),
      ...item('Access token lasts', lifetime(network.lifetimes.accessToken.seconds)),
      ...item('Refresh token lasts', lifetime(network.lifetimes.refreshToken?.seconds)),
      ...item('Renewal', STRATEGIES[network.refresh.kind]),
      ...item(
        'Package',
        `${network.package.name}${network.package.version ? `@${network.package.version}` : ''}`,
      ),
    ),
    h('h3', {}, 'Scopes'),
    scopes.length === 0
      ? h('p', {}, 'None.')
      : h(
          'ul',
          {},
          ...network.scopes.required.map((scope) =>
            h('li', {}, h('code', {}, scope.name), ` (required): ${scope.purpose}`),
          ),
          ...network.scopes.optional.map((scope) =>
            h('li', {}, h('code', {}, scope.name), ` (optional): ${scope.purpose}`),
          ),
        ),
  );
}

/** The catalog: every network this instance loads and what it knows of it. */
export async function networksPage({ main, stale }: PageContext): Promise<void> {
  const networks = await catalog();
  if (stale()) return;
  replace(main, h('h1', {}, 'Networks'), ...networks.map(entry));
  pageShown(main, 'Networks');
}
