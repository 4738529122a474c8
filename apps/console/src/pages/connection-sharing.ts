import type { Connection, Schemas } from '@tether/client';
import { h } from '../dom';
import { caller, client, describeProblem } from '../session';

type User = Schemas['User'];

/** The form that changes who owns a connection and who it is shared with: for admins. */
function sharingForm(
  connection: Connection,
  users: readonly User[],
  saved: (text: string) => Promise<void>,
  failed: (text: string) => void,
): HTMLFormElement {
  const owner = h(
    'select',
    { id: 'owner', name: 'ownerId' },
    connection.ownerId === null
      ? h('option', { value: '', selected: true }, 'Nobody (workspace admins only)')
      : null,
    ...users.map((user) =>
      h(
        'option',
        { value: user.id, selected: user.id === connection.ownerId },
        `${user.name} (${user.email})`,
      ),
    ),
  );
  const boxes = users.map((user) => ({
    user,
    box: h('input', {
      type: 'checkbox',
      id: `share-${user.id}`,
      name: 'sharedWith',
      value: user.id,
      checked: connection.sharedWith.includes(user.id),
    }),
  }));
  const nameOf = (id: string) => users.find((user) => user.id === id)?.name ?? id;
  async function save(): Promise<void> {
    const sharedWith = boxes.filter(({ box }) => box.checked).map(({ user }) => user.id);
    const { data, error } = await client().PATCH('/api/v1/connections/{id}', {
      params: { path: { id: connection.id } },
      body: { sharedWith, ...(owner.value ? { ownerId: owner.value } : {}) },
    });
    if (!data) {
      failed(describeProblem(error, 'Sharing could not be changed.'));
      return;
    }
    const shared = data.sharedWith.map(nameOf);
    await saved(
      `Saved: owned by ${data.ownerId ? nameOf(data.ownerId) : 'nobody'}, shared with ${shared.length > 0 ? shared.join(', ') : 'nobody'}.`,
    );
  }
  return h(
    'form',
    {
      onsubmit: (event: Event) => {
        event.preventDefault();
        void save();
      },
    },
    h('p', {}, h('label', { for: 'owner' }, 'Owner'), ' ', owner),
    users.length === 0
      ? h('p', {}, 'The workspace has no users to share it with yet.')
      : h(
          'fieldset',
          {},
          h('legend', {}, 'Shared with: they can see it and use its tokens'),
          ...boxes.map(({ user, box }) =>
            h('label', { for: box.id }, box, ` ${user.name} (${user.email})`),
          ),
        ),
    h('button', { type: 'submit' }, 'Save owner and sharing'),
  );
}

/** What a member is told: whether it is theirs or shared with them. Names are for admins. */
function sharingSummary(connection: Connection, me: Schemas['Caller'] | undefined): HTMLElement {
  const myId = me?.user?.id;
  const owner =
    connection.ownerId === null
      ? 'Nobody (workspace admins only)'
      : connection.ownerId === myId
        ? 'You'
        : 'Another person of the workspace';
  const others = connection.sharedWith.filter((id) => id !== myId).length;
  const shared = [
    myId !== undefined && connection.sharedWith.includes(myId) ? 'you' : null,
    others > 0 ? `${others} other ${others === 1 ? 'person' : 'people'}` : null,
  ].filter((part): part is string => part !== null);
  return h(
    'div',
    {},
    h(
      'dl',
      { class: 'details' },
      h('dt', {}, 'Owner'),
      h('dd', {}, owner),
      h('dt', {}, 'Shared with'),
      h('dd', {}, shared.length > 0 ? shared.join(' and ') : 'Nobody'),
    ),
    h('p', { class: 'muted' }, 'A workspace admin chooses who owns it and who it is shared with.'),
  );
}

/**
 * Who owns the connection and who it is shared with. An admin (whose key may list the
 * workspace's users) changes both; anyone else sees what the API shows them.
 */
export async function sharingSection(
  connection: Connection,
  saved: (text: string) => Promise<void>,
  failed: (text: string) => void,
): Promise<HTMLElement> {
  const [users, me] = await Promise.all([client().GET('/api/v1/users'), caller()]);
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'sharing-title' },
    h('h2', { id: 'sharing-title' }, 'Owner and sharing'),
    users.data
      ? sharingForm(connection, users.data.data, saved, failed)
      : sharingSummary(connection, me),
  );
}
