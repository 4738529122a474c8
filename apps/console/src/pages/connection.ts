import type { Connection, Schemas } from '@tether/client';
import { openNetwork } from '@tether/connect';
import { confirmAction } from '../confirm';
import { h, notice, replace } from '../dom';
import { expiryOf, statusBadge, when } from '../format';
import { catalog, networkName } from '../networks';
import { pageShown, type PageContext } from '../page';
import { client, describeProblem } from '../session';
import { sharingSection } from './connection-sharing';

type ConnectionEvent = Schemas['ConnectionEvent'];

function details(connection: Connection, network: string): HTMLElement {
  const item = (term: string, value: Node | string) => [h('dt', {}, term), h('dd', {}, value)];
  const scopes = (list: readonly string[]) => (list.length > 0 ? list.join(', ') : '—');
  return h(
    'dl',
    { class: 'details' },
    ...item('Status', statusBadge(connection.status)),
    ...item('Reason', connection.reason ?? '—'),
    ...item('What to do', connection.remedy ?? '—'),
    ...item('Network', network),
    ...item('Account', `${connection.account.name} (${connection.account.kind})`),
    ...item('Authorized by', connection.authorizedBy.name),
    ...item('Needs reconnecting', when(expiryOf(connection))),
    ...item('Access token expires', when(connection.accessTokenExpiresAt)),
    ...item('Last renewed', when(connection.lastRefreshedAt)),
    ...item('Granted scopes', scopes(connection.grantedScopes)),
    ...item('Missing scopes', scopes(connection.missingScopes)),
    ...item('Connected', when(connection.createdAt)),
  );
}

function timeline(events: readonly ConnectionEvent[]): HTMLElement {
  if (events.length === 0) return h('p', {}, 'Nothing has happened yet.');
  return h(
    'ol',
    { class: 'timeline' },
    ...events.map((event) =>
      h(
        'li',
        {},
        h('strong', {}, event.type),
        ' ',
        when(event.at),
        h('span', { class: 'muted' }, ` by ${event.actor}`),
        typeof event.data.reason === 'string' ? h('div', {}, String(event.data.reason)) : null,
      ),
    ),
  );
}

/**
 * One connection: its details and timeline; rename, check, reconnect and delete it; change its
 * owner and who it is shared with.
 */
export async function connectionPage(context: PageContext, id: string): Promise<void> {
  const { main, stale } = context;
  const api = client();
  const path = { params: { path: { id } } };
  const [found, events, networks] = await Promise.all([
    api.GET('/api/v1/connections/{id}', path),
    api.GET('/api/v1/connections/{id}/events', path),
    catalog(),
  ]);
  if (stale()) return;
  const connection = found.data;
  if (!connection) {
    replace(
      main,
      h('h1', {}, 'Connection not found'),
      notice(describeProblem(found.error, 'It could not be loaded.'), 'alert'),
      h('p', {}, h('a', { href: '#/accounts' }, 'Back to connected accounts')),
    );
    pageShown(main, 'Connection not found');
    return;
  }
  const outcome = h('div');
  const say = (text: string, role: 'status' | 'alert' = 'status') =>
    replace(outcome, notice(text, role));
  const redraw = async (text: string) => {
    await connectionPage(context, id);
    const region = main.querySelector('.outcome');
    if (region) replace(region, notice(text));
  };
  outcome.className = 'outcome';

  const nameInput = h('input', {
    id: 'rename',
    name: 'name',
    required: true,
    value: connection.name,
  });
  const rename = h(
    'form',
    {
      class: 'inline',
      'aria-label': 'Rename',
      onsubmit: (event: Event) => {
        event.preventDefault();
        void (async () => {
          const { error } = await api.PATCH('/api/v1/connections/{id}', {
            ...path,
            body: { name: nameInput.value.trim() },
          });
          if (error) say(describeProblem(error, 'It could not be renamed.'), 'alert');
          else await redraw(`Renamed to ${nameInput.value.trim()}.`);
        })();
      },
    },
    h('label', { for: 'rename' }, 'Name', nameInput),
    h('button', { type: 'submit' }, 'Rename'),
  );

  const reconnect = async () => {
    const { data, error } = await api.POST('/api/v1/connections/{id}/reauthorize', {
      ...path,
      body: {
        mode: 'popup',
        returnTo: `${location.origin}/#/connections/${encodeURIComponent(id)}`,
      },
    });
    if (!data?.authorizationUrl) {
      say(describeProblem(error, 'Reconnecting could not start.'), 'alert');
      return;
    }
    say('Waiting for the network’s sign-in window…');
    const flow = openNetwork(data.authorizationUrl, { tetherOrigin: location.origin });
    const result = await flow.done;
    if (result?.ok) await redraw('Reconnected: the account works again.');
    else if (result) say(`Not reconnected: ${result.outcome}.`, 'alert');
    else if (flow.popup)
      say('The sign-in window was closed before reconnecting finished.', 'alert');
  };
  const check = async () => {
    const { data, error } = await api.POST('/api/v1/connections/{id}/check', path);
    if (!data) say(describeProblem(error, 'It could not be checked.'), 'alert');
    else await redraw(data.verdict ? `Checked: ${data.verdict.reason}.` : 'Checked: it works.');
  };
  const remove = async () => {
    const { error, response } = await api.DELETE('/api/v1/connections/{id}', path);
    if (!response.ok) say(describeProblem(error, 'It could not be deleted.'), 'alert');
    else location.hash = '#/accounts';
  };

  const sharing = await sharingSection(connection, redraw, (text) => say(text, 'alert'));
  if (stale()) return;

  replace(
    main,
    h('p', {}, h('a', { href: '#/accounts' }, 'Connected accounts')),
    h('h1', {}, connection.name),
    outcome,
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'details-title' },
      h('h2', { id: 'details-title' }, 'Details'),
      details(connection, networkName(networks, connection.provider)),
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'actions-title' },
      h('h2', { id: 'actions-title' }, 'Actions'),
      rename,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', onclick: () => void reconnect() }, 'Reconnect'),
        h(
          'button',
          { type: 'button', class: 'secondary', onclick: () => void check() },
          'Check now',
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'danger',
            onclick: () =>
              confirmAction(
                main,
                {
                  title: `Delete ${connection.name}?`,
                  text: 'Tether forgets its tokens and stops renewing it. This cannot be undone.',
                  action: 'Delete',
                },
                () => void remove(),
              ),
          },
          'Delete…',
        ),
      ),
    ),
    sharing,
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'timeline-title' },
      h('h2', { id: 'timeline-title' }, 'Timeline'),
      events.data
        ? timeline(events.data.data)
        : notice(describeProblem(events.error, 'The timeline could not be loaded.'), 'alert'),
    ),
  );
  pageShown(main, connection.name);
}
