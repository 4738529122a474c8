import type { Schemas } from '@tether/client';
import { confirmAction } from '../confirm';
import { h, notice, replace, tableHead } from '../dom';
import { when } from '../format';
import { pageShown, type PageContext } from '../page';
import { client, describeProblem } from '../session';

type ApiKey = Schemas['ApiKey'];
type User = Schemas['User'];

const SCOPES: Readonly<Record<ApiKey['scope'], string>> = {
  admin: 'admin: the whole API, as its person may',
  'tokens:read': 'tokens:read: access tokens and the catalog only',
};

function personOf(key: ApiKey, users: readonly User[]): string {
  if (key.userId === null) return 'The workspace';
  return users.find((user) => user.id === key.userId)?.name ?? key.userId;
}

/** The key just created, shown this once with a way to copy it. */
function createdKey(created: Schemas['CreatedApiKey']): HTMLElement {
  const value = h('input', {
    id: 'created-key',
    class: 'secret',
    readonly: true,
    value: created.key,
    'aria-describedby': 'created-key-help',
  });
  const copied = h('span', { role: 'status' });
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'created-key-title' },
    h('h2', { id: 'created-key-title' }, `Key ${created.name} created`),
    h('p', {}, h('label', { for: 'created-key' }, 'The key')),
    h('p', {}, value),
    h(
      'p',
      { id: 'created-key-help' },
      'Copy it now and keep it somewhere safe: this is the only time it is shown. Tether stores only a hash of it.',
    ),
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          onclick: () => {
            value.select();
            void navigator.clipboard.writeText(created.key).then(
              () => replace(copied, 'Copied.'),
              () => replace(copied, 'Selected: press Ctrl+C (⌘C) to copy.'),
            );
          },
        },
        'Copy key',
      ),
      copied,
    ),
  );
}

function createKeyForm(
  users: readonly User[],
  created: (key: Schemas['CreatedApiKey']) => Promise<void>,
): HTMLFormElement {
  const name = h('input', { id: 'key-name', name: 'name', required: true, autocomplete: 'off' });
  const scope = h(
    'select',
    { id: 'key-scope', name: 'scope' },
    ...Object.entries(SCOPES).map(([value, text]) => h('option', { value }, text)),
  );
  const person = h(
    'select',
    { id: 'key-user', name: 'userId' },
    h('option', { value: '' }, 'The workspace (no person)'),
    ...users.map((user) => h('option', { value: user.id }, `${user.name} (${user.role})`)),
  );
  const outcome = h('div');
  async function create(): Promise<void> {
    const { data, error } = await client().POST('/api/v1/api-keys', {
      body: {
        name: name.value.trim(),
        scope: scope.value === 'tokens:read' ? 'tokens:read' : 'admin',
        ...(person.value ? { userId: person.value } : {}),
      },
    });
    if (data) await created(data);
    else replace(outcome, notice(describeProblem(error, 'The key could not be created.'), 'alert'));
  }
  return h(
    'form',
    {
      class: 'card',
      'aria-labelledby': 'create-key-title',
      onsubmit: (event: Event) => {
        event.preventDefault();
        void create();
      },
    },
    h('h2', { id: 'create-key-title' }, 'Create an API key'),
    h(
      'div',
      { class: 'fields' },
      h('label', { for: 'key-name' }, 'Name', name),
      h('label', { for: 'key-scope' }, 'Scope', scope),
      h('label', { for: 'key-user' }, 'Acts for', person),
    ),
    h('p', { class: 'muted' }, 'A key that acts for a member sees only what that member may.'),
    h('button', { type: 'submit' }, 'Create key'),
    outcome,
  );
}

function keysTable(
  keys: readonly ApiKey[],
  users: readonly User[],
  revoke: (key: ApiKey) => void,
): HTMLElement {
  if (keys.length === 0) return h('p', {}, 'No active API keys.');
  return h(
    'table',
    {},
    h('caption', { class: 'muted' }, `${keys.length} active keys`),
    tableHead(
      'Name',
      'Starts with',
      'Scope',
      'Acts for',
      'Created',
      'Last used',
      'Expires',
      'Actions',
    ),
    h(
      'tbody',
      {},
      ...keys.map((key) =>
        h(
          'tr',
          {},
          h('td', {}, key.name),
          h('td', {}, h('code', {}, `${key.prefix}…`)),
          h('td', {}, key.scope),
          h('td', {}, personOf(key, users)),
          h('td', {}, when(key.createdAt)),
          h('td', {}, when(key.lastUsedAt)),
          h('td', {}, key.expiresAt ? when(key.expiresAt) : 'When revoked'),
          h(
            'td',
            {},
            h(
              'button',
              {
                type: 'button',
                class: 'danger',
                'aria-label': `Revoke ${key.name}`,
                onclick: () => revoke(key),
              },
              'Revoke…',
            ),
          ),
        ),
      ),
    ),
  );
}

/** The workspace's active API keys: create one (shown once) and revoke one. Admins only. */
export async function apiKeysPage(context: PageContext): Promise<void> {
  const { main, stale } = context;
  const api = client();
  const [keys, users] = await Promise.all([api.GET('/api/v1/api-keys'), api.GET('/api/v1/users')]);
  if (stale()) return;
  const heading = h('h1', {}, 'API keys');
  if (!keys.data) {
    replace(
      main,
      heading,
      notice(describeProblem(keys.error, 'The keys could not be loaded.'), 'alert'),
    );
    pageShown(main, 'API keys');
    return;
  }
  const people = users.data?.data ?? [];
  const outcome = h('div', { class: 'outcome' });
  const redraw = async (shown: Node) => {
    await apiKeysPage(context);
    const region = main.querySelector('.outcome');
    if (region) replace(region, shown);
  };
  const revoke = (key: ApiKey) =>
    confirmAction(
      main,
      {
        title: `Revoke ${key.name}?`,
        text: 'Anything that uses this key is refused from now on. This cannot be undone.',
        action: 'Revoke',
      },
      () =>
        void (async () => {
          const { error, response } = await api.DELETE('/api/v1/api-keys/{id}', {
            params: { path: { id: key.id } },
          });
          if (response.ok) await redraw(notice(`Revoked ${key.name}.`));
          else
            replace(outcome, notice(describeProblem(error, 'It could not be revoked.'), 'alert'));
        })(),
    );
  replace(
    main,
    heading,
    outcome,
    keysTable(keys.data.data, people, revoke),
    createKeyForm(people, async (created) => redraw(createdKey(created))),
  );
  pageShown(main, 'API keys');
}
