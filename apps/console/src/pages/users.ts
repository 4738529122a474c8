import type { Schemas } from '@tether/client';
import { h, notice, replace, tableHead } from '../dom';
import { when } from '../format';
import { pageShown, type PageContext } from '../page';
import { client, describeProblem } from '../session';

type User = Schemas['User'];

function usersTable(users: readonly User[]): HTMLElement {
  if (users.length === 0) return h('p', {}, 'No users yet.');
  return h(
    'table',
    {},
    h('caption', { class: 'muted' }, `${users.length} users`),
    tableHead('Name', 'Email', 'Role', 'Added'),
    h(
      'tbody',
      {},
      ...users.map((user) =>
        h(
          'tr',
          {},
          h('td', {}, user.name),
          h('td', {}, user.email),
          h('td', {}, user.role),
          h('td', {}, when(user.createdAt)),
        ),
      ),
    ),
  );
}

/** The form that adds a person, who can then sign in with a link sent to their address. */
function addUserForm(added: (user: User) => Promise<void>): HTMLFormElement {
  const name = h('input', { id: 'user-name', name: 'name', required: true, autocomplete: 'off' });
  const email = h('input', {
    id: 'user-email',
    name: 'email',
    type: 'email',
    required: true,
    autocomplete: 'off',
  });
  const role = h(
    'select',
    { id: 'user-role', name: 'role' },
    h('option', { value: 'member' }, 'Member: their own and shared connections'),
    h('option', { value: 'admin' }, 'Admin: everything in the workspace'),
  );
  const outcome = h('div');
  async function add(): Promise<void> {
    const { data, error } = await client().POST('/api/v1/users', {
      body: {
        name: name.value.trim(),
        email: email.value.trim(),
        role: role.value === 'admin' ? 'admin' : 'member',
      },
    });
    if (data) await added(data);
    else replace(outcome, notice(describeProblem(error, 'The user could not be added.'), 'alert'));
  }
  return h(
    'form',
    {
      class: 'card',
      'aria-labelledby': 'add-user-title',
      onsubmit: (event: Event) => {
        event.preventDefault();
        void add();
      },
    },
    h('h2', { id: 'add-user-title' }, 'Add a user'),
    h(
      'div',
      { class: 'fields' },
      h('label', { for: 'user-name' }, 'Name', name),
      h('label', { for: 'user-email' }, 'Email', email),
      h('label', { for: 'user-role' }, 'Role', role),
    ),
    h('p', { class: 'muted' }, 'They sign in with a one-time link Tether emails to this address.'),
    h('button', { type: 'submit' }, 'Add user'),
    outcome,
  );
}

/** The workspace's people, and adding one. Admins only: the API refuses members. */
export async function usersPage(context: PageContext): Promise<void> {
  const { main, stale } = context;
  const { data, error } = await client().GET('/api/v1/users');
  if (stale()) return;
  const heading = h('h1', {}, 'Users');
  if (!data) {
    replace(
      main,
      heading,
      notice(describeProblem(error, 'The users could not be loaded.'), 'alert'),
    );
    pageShown(main, 'Users');
    return;
  }
  const outcome = h('div', { class: 'outcome' });
  replace(
    main,
    heading,
    outcome,
    usersTable(data.data),
    addUserForm(async (user) => {
      await usersPage(context);
      const region = main.querySelector('.outcome');
      if (region) replace(region, notice(`Added ${user.name} (${user.email}) as ${user.role}.`));
    }),
  );
  pageShown(main, 'Users');
}
