import type { Connection } from '@tether/client';
import { h, notice, replace, tableHead } from '../dom';
import { expiryOf, statusBadge, STATUSES, when } from '../format';
import { catalog, networkName, type CatalogEntry } from '../networks';
import { pageShown, type PageContext } from '../page';
import { client, describeProblem } from '../session';

const FILTERS = ['provider', 'status', 'q'] as const;

/** The hash route of the accounts list with these filters. */
function accountsHref(query: URLSearchParams): string {
  const search = query.toString();
  return `#/accounts${search ? `?${search}` : ''}`;
}

function filterForm(query: URLSearchParams, networks: readonly CatalogEntry[]): HTMLFormElement {
  const option = (value: string, text: string, selected: string | null) =>
    h('option', { value, selected: value === (selected ?? '') }, text);
  const provider = h(
    'select',
    { id: 'filter-provider', name: 'provider' },
    option('', 'All networks', query.get('provider')),
    ...networks.map((entry) => option(entry.id, entry.displayName, query.get('provider'))),
  );
  const status = h(
    'select',
    { id: 'filter-status', name: 'status' },
    option('', 'Any status', query.get('status')),
    ...STATUSES.map((value) => option(value, value, query.get('status'))),
  );
  const search = h('input', {
    id: 'filter-q',
    name: 'q',
    type: 'search',
    value: query.get('q') ?? '',
  });
  const form = h(
    'form',
    {
      class: 'filters',
      role: 'search',
      'aria-label': 'Filter connected accounts',
      onsubmit: (event: Event) => {
        event.preventDefault();
        const next = new URLSearchParams();
        for (const name of FILTERS) {
          const value = new FormData(form).get(name);
          if (typeof value === 'string' && value.trim()) next.set(name, value.trim());
        }
        location.hash = accountsHref(next);
      },
    },
    h('label', { for: 'filter-provider' }, 'Network', provider),
    h('label', { for: 'filter-status' }, 'Status', status),
    h('label', { for: 'filter-q' }, 'Name contains', search),
    h('button', { type: 'submit' }, 'Filter'),
  );
  return form;
}

function row(connection: Connection, networks: readonly CatalogEntry[]): HTMLTableRowElement {
  const reason = connection.reason
    ? h(
        'div',
        {},
        h('div', {}, connection.reason),
        connection.remedy ? h('div', { class: 'muted' }, connection.remedy) : null,
      )
    : '—';
  return h(
    'tr',
    {},
    h(
      'td',
      {},
      h('a', { href: `#/connections/${encodeURIComponent(connection.id)}` }, connection.name),
    ),
    h('td', {}, networkName(networks, connection.provider)),
    h('td', {}, connection.account.name, h('div', { class: 'muted' }, connection.account.kind)),
    h('td', {}, statusBadge(connection.status)),
    h('td', {}, reason),
    h('td', {}, when(expiryOf(connection))),
  );
}

/** Connected accounts: each with its status, why and what to do, filtered and paged. */
export async function accountsPage({ main, query, stale }: PageContext): Promise<void> {
  const filters = Object.fromEntries(
    [...FILTERS, 'cursor'].flatMap((name) => {
      const value = query.get(name);
      return value ? [[name, value]] : [];
    }),
  );
  const [networks, page] = await Promise.all([
    catalog(),
    client().GET('/api/v1/connections', { params: { query: { ...filters, limit: 25 } } }),
  ]);
  if (stale()) return;
  const heading = h('h1', {}, 'Connected accounts');
  if (!page.data) {
    replace(
      main,
      heading,
      notice(describeProblem(page.error, 'The list could not be loaded.'), 'alert'),
    );
    pageShown(main, 'Connected accounts');
    return;
  }
  const { data: connections, nextCursor } = page.data;
  const withoutCursor = new URLSearchParams(query);
  withoutCursor.delete('cursor');
  const next = new URLSearchParams(withoutCursor);
  if (nextCursor) next.set('cursor', nextCursor);
  const table =
    connections.length === 0
      ? h('p', { role: 'status' }, 'No connected accounts match.')
      : h(
          'table',
          {},
          h('caption', { class: 'muted' }, `${connections.length} shown`),
          tableHead(
            'Name',
            'Network',
            'Account',
            'Status',
            'Reason and remedy',
            'Needs reconnecting',
          ),
          h('tbody', {}, ...connections.map((connection) => row(connection, networks))),
        );
  replace(
    main,
    heading,
    filterForm(query, networks),
    table,
    h(
      'nav',
      { 'aria-label': 'Pages', class: 'actions' },
      query.has('cursor') ? h('a', { href: accountsHref(withoutCursor) }, 'First page') : null,
      nextCursor ? h('a', { href: accountsHref(next) }, 'Next page') : null,
    ),
  );
  pageShown(main, 'Connected accounts');
}
