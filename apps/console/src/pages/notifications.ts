import type { Schemas } from '@tether/client';
import { h, notice, replace } from '../dom';
import { when } from '../format';
import { pageShown, type PageContext } from '../page';
import { client, describeProblem } from '../session';

type Notification = Schemas['Notification'];

function entry(item: Notification, markRead: (id: string) => void): HTMLElement {
  const unread = item.readAt === null;
  return h(
    'li',
    { class: unread ? 'card unread' : 'card' },
    h(
      'h2',
      {},
      unread ? h('span', { class: 'status status-expiring' }, 'unread') : null,
      ' ',
      item.subject,
    ),
    h('p', { class: 'muted' }, `${item.category.replace('_', '-')} `, when(item.createdAt)),
    h('p', { class: 'body' }, item.body),
    h(
      'p',
      { class: 'actions' },
      h(
        'a',
        { href: `#/connections/${encodeURIComponent(item.connectionId)}` },
        'Open the connection',
      ),
      unread
        ? h(
            'button',
            { type: 'button', class: 'secondary', onclick: () => markRead(item.id) },
            'Mark as read',
          )
        : null,
    ),
  );
}

/** The signed-in user's notification feed, unread first to act on. */
export async function notificationsPage(context: PageContext): Promise<void> {
  const { main, query, stale } = context;
  const api = client();
  const onlyUnread = query.get('unread') === 'true';
  const cursor = query.get('cursor');
  const feed = await api.GET('/api/v1/notifications', {
    params: {
      query: {
        limit: 25,
        ...(onlyUnread ? { unread: 'true' } : {}),
        ...(cursor ? { cursor } : {}),
      },
    },
  });
  if (stale()) return;
  const heading = h('h1', {}, 'Notifications');
  if (!feed.data) {
    replace(
      main,
      heading,
      notice(describeProblem(feed.error, 'The feed could not be loaded.'), 'alert'),
    );
    pageShown(main, 'Notifications');
    return;
  }
  const { data, nextCursor, unreadCount } = feed.data;
  const markRead = (id: string) =>
    void (async () => {
      const { error, response } = await api.POST('/api/v1/notifications/{id}/read', {
        params: { path: { id } },
      });
      if (response.ok) await notificationsPage(context);
      else
        replace(
          main.querySelector('.outcome')!,
          notice(describeProblem(error, 'It could not be marked.'), 'alert'),
        );
    })();
  const base = onlyUnread ? '#/notifications?unread=true' : '#/notifications';
  replace(
    main,
    heading,
    h('p', { class: 'outcome', role: 'status' }, `${unreadCount} unread`),
    h(
      'p',
      {},
      onlyUnread
        ? h('a', { href: '#/notifications' }, 'Show all')
        : h('a', { href: '#/notifications?unread=true' }, 'Show unread only'),
    ),
    data.length === 0
      ? h('p', {}, 'Nothing here.')
      : h('ul', { class: 'feed' }, ...data.map((item) => entry(item, markRead))),
    h(
      'nav',
      { 'aria-label': 'Pages', class: 'actions' },
      cursor ? h('a', { href: base }, 'First page') : null,
      nextCursor
        ? h(
            'a',
            { href: `${base}${onlyUnread ? '&' : '?'}cursor=${encodeURIComponent(nextCursor)}` },
            'Next page',
          )
        : null,
    ),
  );
  pageShown(main, 'Notifications');
}
