import { h, notice, replace } from './dom';
import type { PageContext } from './page';
import { accountsPage } from './pages/accounts';
import { apiKeysPage } from './pages/api-keys';
import { connectionPage } from './pages/connection';
import { networksPage } from './pages/networks';
import { notificationsPage } from './pages/notifications';
import { settingsPage } from './pages/settings';
import { signInPage } from './pages/sign-in';
import { signInLinkPage } from './pages/sign-in-link';
import { usersPage } from './pages/users';
import { webhookDeliveriesPage } from './pages/webhook-deliveries';
import { webhooksPage } from './pages/webhooks';
import { caller, signOut, storedKey } from './session';

interface Route {
  readonly pattern: RegExp;
  readonly section: string;
  readonly render: (context: PageContext, ...captures: string[]) => Promise<void>;
}

const ROUTES: readonly Route[] = [
  { pattern: /^\/(?:accounts)?$/, section: 'accounts', render: accountsPage },
  { pattern: /^\/connections\/([^/]+)$/, section: 'accounts', render: connectionPage },
  { pattern: /^\/notifications$/, section: 'notifications', render: notificationsPage },
  { pattern: /^\/networks$/, section: 'networks', render: networksPage },
  { pattern: /^\/settings$/, section: 'settings', render: settingsPage },
  { pattern: /^\/webhooks$/, section: 'webhooks', render: (context) => webhooksPage(context) },
  { pattern: /^\/webhooks\/([^/]+)$/, section: 'webhooks', render: webhookDeliveriesPage },
  { pattern: /^\/users$/, section: 'users', render: usersPage },
  { pattern: /^\/api-keys$/, section: 'api-keys', render: apiKeysPage },
];

const NAVIGATION = [
  { section: 'accounts', href: '#/accounts', text: 'Connected accounts' },
  { section: 'notifications', href: '#/notifications', text: 'Notifications' },
  { section: 'networks', href: '#/networks', text: 'Networks' },
  { section: 'webhooks', href: '#/webhooks', text: 'Webhooks', adminOnly: true },
  { section: 'users', href: '#/users', text: 'Users', adminOnly: true },
  { section: 'api-keys', href: '#/api-keys', text: 'API keys', adminOnly: true },
  { section: 'settings', href: '#/settings', text: 'Settings' },
];

let drawing = 0;

/** The header: navigation (admin pages only for admins) and sign-out, or nothing signed out. */
function drawHeader(section: string | null, admin = false): void {
  const nav = document.querySelector('header nav')!;
  const account = document.querySelector('header .account')!;
  if (section === null) {
    replace(nav);
    replace(account);
    return;
  }
  replace(
    nav,
    h(
      'ul',
      {},
      ...NAVIGATION.filter((item) => admin || !('adminOnly' in item)).map((item) =>
        h(
          'li',
          {},
          h(
            'a',
            { href: item.href, 'aria-current': item.section === section ? 'page' : undefined },
            item.text,
          ),
        ),
      ),
    ),
  );
  replace(
    account,
    h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        onclick: () => {
          signOut();
          void route();
        },
      },
      'Sign out',
    ),
  );
}

/** Draws the page the hash names, or the sign-in page when no key is stored. */
async function route(): Promise<void> {
  const main = document.querySelector<HTMLElement>('main')!;
  const token = ++drawing;
  const [path = '/', search = ''] = location.hash.replace(/^#/, '').split('?');
  const context: PageContext = {
    main,
    query: new URLSearchParams(search),
    stale: () => token !== drawing,
  };
  const link = /^\/sign-in\/([^/]+)$/.exec(path);
  if (link) {
    drawHeader(null);
    await signInLinkPage(context, () => void route(), link[1]!);
    return;
  }
  if (!storedKey()) {
    drawHeader(null);
    signInPage(context, () => void route());
    return;
  }
  const admin = (await caller())?.admin ?? false;
  if (context.stale()) return;
  for (const candidate of ROUTES) {
    const match = candidate.pattern.exec(path || '/');
    if (!match) continue;
    drawHeader(candidate.section, admin);
    try {
      await candidate.render(context, ...match.slice(1).map(decodeURIComponent));
    } catch (error) {
      if (!context.stale())
        replace(main, h('h1', {}, 'Something went wrong'), notice(String(error), 'alert'));
    }
    return;
  }
  drawHeader('', admin);
  document.title = 'Not found · Tether';
  replace(
    main,
    h('h1', {}, 'Not found'),
    h('p', {}, h('a', { href: '#/accounts' }, 'Connected accounts')),
  );
}

window.addEventListener('hashchange', () => void route());
void route();
