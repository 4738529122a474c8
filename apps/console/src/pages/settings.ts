import type { Schemas } from '@tether/client';
import { h, notice, replace, tableHead } from '../dom';
import { catalog, type CatalogEntry } from '../networks';
import { pageShown, type PageContext } from '../page';
import { client, describeProblem } from '../session';

type Me = Schemas['Caller'];
type Preferences = Schemas['NotificationPreferences'];
type Settings = Schemas['NotificationSettings'];
type Category = keyof Preferences['categories'];
type NetworkSettings = NonNullable<Settings['providers']>[string];

const CATEGORIES: readonly { key: Category; text: string }[] = [
  { key: 'reminder', text: 'Reminders before a connection expires' },
  { key: 'alert', text: 'Alerts when a connection stops working, and their follow-ups' },
  { key: 'recovery', text: 'Notes when a connection works again' },
];

/** `14d, 7d 3d` → `['14d', '7d', '3d']`; nothing → undefined (inherit). */
function listOf(text: string): string[] | undefined {
  const items = text.split(/[\s,]+/).filter(Boolean);
  return items.length > 0 ? items : undefined;
}

const shown = (list: readonly string[] | undefined) => (list ?? []).join(', ');

const UNITS: readonly [string, number][] = [
  ['d', 86_400],
  ['h', 3_600],
  ['m', 60],
];

/** The server's defaults come in seconds: `1209600s` reads `14d`. */
function readable(duration: string): string {
  const seconds = /^(\d+)s$/.exec(duration)?.[1];
  if (seconds === undefined) return duration;
  const [unit, size] = UNITS.find(([, unitSeconds]) => Number(seconds) % unitSeconds === 0) ?? [
    's',
    1,
  ];
  return `${Number(seconds) / size}${unit}`;
}

/** A live region that says how a save went. */
function outcomeRegion(): HTMLElement {
  return h('div', { class: 'outcome' });
}

function say(region: HTMLElement, text: string, role: 'status' | 'alert' = 'status'): void {
  replace(region, notice(text, role));
}

/** The signed-in person's own categories, channels and digest. */
function preferencesForm(me: Me, stored: Preferences | undefined, problem: string): HTMLElement {
  const section = (...children: (Node | string)[]) =>
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'mine-title' },
      h('h2', { id: 'mine-title' }, 'My notifications'),
      ...children,
    );
  if (!me.user) {
    return section(
      h(
        'p',
        {},
        'This API key acts for no user, so it has no notifications of its own. Sign in with a key of your own to choose what you receive.',
      ),
    );
  }
  if (!stored) return section(notice(problem, 'alert'));
  const outcome = outcomeRegion();
  const boxes = new Map<string, HTMLInputElement>();
  const box = (category: Category, channel: 'email' | 'inApp', name: string) => {
    const input = h('input', {
      type: 'checkbox',
      id: `${category}-${channel}`,
      'aria-label': name,
      checked: stored.categories[category][channel],
    });
    boxes.set(`${category}-${channel}`, input);
    return h('td', {}, input);
  };
  const digest = (value: Preferences['digest'], text: string) =>
    h(
      'label',
      { class: 'choice' },
      h('input', {
        type: 'radio',
        name: 'digest',
        value,
        checked: stored.digest === value,
      }),
      ` ${text}`,
    );
  const form = h(
    'form',
    {
      'aria-labelledby': 'mine-title',
      onsubmit: (event: Event) => {
        event.preventDefault();
        void (async () => {
          const channels = (category: Category) => ({
            email: boxes.get(`${category}-email`)!.checked,
            inApp: boxes.get(`${category}-inApp`)!.checked,
          });
          const chosen = form.querySelector<HTMLInputElement>('input[name="digest"]:checked');
          const { data, error } = await client().PUT(
            '/api/v1/users/{id}/notification-preferences',
            {
              params: { path: { id: 'me' } },
              body: {
                categories: {
                  reminder: channels('reminder'),
                  alert: channels('alert'),
                  recovery: channels('recovery'),
                },
                digest: chosen?.value === 'daily' ? 'daily' : 'off',
              },
            },
          );
          if (data) say(outcome, 'Your notification preferences are saved.');
          else say(outcome, describeProblem(error, 'They could not be saved.'), 'alert');
        })();
      },
    },
    h(
      'table',
      {},
      h('caption', { class: 'muted' }, `What ${me.user.name} receives, and where`),
      tableHead('Notification', 'Email', 'In the app'),
      h(
        'tbody',
        {},
        ...CATEGORIES.map(({ key, text }) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, text),
            box(key, 'email', `${text} by email`),
            box(key, 'inApp', `${text} in the app`),
          ),
        ),
      ),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Email'),
      digest('off', 'One email per notification'),
      digest('daily', 'One email a day gathering them (daily digest)'),
    ),
    h('button', { type: 'submit' }, 'Save my preferences'),
    outcome,
  );
  return section(form);
}

/** A text field for a list of durations or addresses, empty when it inherits. */
function listInput(id: string, label: string, value: readonly string[] | undefined, size = 14) {
  return h('input', { id, 'aria-label': label, value: shown(value), size: String(size) });
}

/** The workspace's schedules, per-network overrides and extra recipients: admins only. */
function workspaceForm(settings: Settings, networks: readonly CatalogEntry[]): HTMLElement {
  const outcome = outcomeRegion();
  const defaults = {
    reminders: shown(settings.defaults.reminderSchedule.map(readable)),
    followUps: shown(settings.defaults.followUpSchedule.map(readable)),
  };
  const reminders = h('input', {
    id: 'reminder-schedule',
    value: shown(settings.reminderSchedule),
    placeholder: defaults.reminders,
    'aria-describedby': 'reminder-schedule-help',
  });
  const followUps = h('input', {
    id: 'follow-up-schedule',
    value: shown(settings.followUpSchedule),
    placeholder: defaults.followUps,
    'aria-describedby': 'follow-up-schedule-help',
  });
  const rows = networks.map((network) => {
    const own: NetworkSettings = settings.providers?.[network.id] ?? {};
    const cell = (key: keyof NetworkSettings, what: string, size?: number) =>
      h(
        'td',
        {},
        listInput(`${network.id}-${key}`, `${network.displayName} ${what}`, own[key], size),
      );
    return {
      id: network.id,
      row: h(
        'tr',
        {},
        h('th', { scope: 'row' }, network.displayName),
        cell('reminderSchedule', 'reminders'),
        cell('followUpSchedule', 'follow-ups'),
        cell('extraRecipients', 'extra recipients', 30),
      ),
    };
  });
  const form: HTMLFormElement = h(
    'form',
    {
      'aria-labelledby': 'workspace-title',
      onsubmit: (event: Event) => {
        event.preventDefault();
        void (async () => {
          const field = (id: string) =>
            listOf(form.querySelector<HTMLInputElement>(`#${CSS.escape(id)}`)!.value);
          const providers: Record<string, NetworkSettings> = {};
          for (const { id } of rows) {
            const own = {
              reminderSchedule: field(`${id}-reminderSchedule`),
              followUpSchedule: field(`${id}-followUpSchedule`),
              extraRecipients: field(`${id}-extraRecipients`),
            };
            if (Object.values(own).some(Boolean)) providers[id] = own;
          }
          const { data, error } = await client().PUT('/api/v1/notification-settings', {
            body: {
              reminderSchedule: listOf(reminders.value),
              followUpSchedule: listOf(followUps.value),
              providers,
            },
          });
          if (data)
            say(outcome, 'Saved. Pending reminders and follow-ups follow the new schedules.');
          else say(outcome, describeProblem(error, 'The settings could not be saved.'), 'alert');
        })();
      },
    },
    h('p', {}, h('label', { for: 'reminder-schedule' }, 'Reminder schedule'), h('br'), reminders),
    h(
      'p',
      { id: 'reminder-schedule-help', class: 'muted' },
      `When to remind before a connection expires: durations such as 14d, 7d, 12h or 30s. Empty: the server’s ${defaults.reminders}.`,
    ),
    h('p', {}, h('label', { for: 'follow-up-schedule' }, 'Follow-up schedule'), h('br'), followUps),
    h(
      'p',
      { id: 'follow-up-schedule-help', class: 'muted' },
      `After an alert, the gaps between follow-ups while a connection stays broken; the last one repeats. Empty: the server’s ${defaults.followUps || 'none'}.`,
    ),
    h('h3', {}, 'Per network'),
    h(
      'p',
      { class: 'muted' },
      'A network’s own schedule wins over the workspace’s. Extra recipients (email addresses) get every email about that network’s connections. Empty fields follow the workspace.',
    ),
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        {},
        tableHead('Network', 'Reminders', 'Follow-ups', 'Extra recipients'),
        h('tbody', {}, ...rows.map(({ row }) => row)),
      ),
    ),
    h('p', {}, h('button', { type: 'submit' }, 'Save workspace settings')),
    outcome,
  );
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'workspace-title' },
    h('h2', { id: 'workspace-title' }, 'Workspace notifications'),
    form,
  );
}

/**
 * Settings: the signed-in person's own notifications, and for admins the workspace's
 * schedules, per-network overrides and extra recipients. Members never see the workspace's
 * part; the API refuses it to them anyway.
 */
export async function settingsPage(context: PageContext): Promise<void> {
  const { main, stale } = context;
  const api = client();
  const who = await api.GET('/api/v1/me');
  if (stale()) return;
  const heading = h('h1', {}, 'Settings');
  const me = who.data;
  if (!me) {
    replace(main, heading, notice(describeProblem(who.error, 'You could not be found.'), 'alert'));
    pageShown(main, 'Settings');
    return;
  }
  const { admin } = me;
  const [mine, workspace, networks] = await Promise.all([
    me.user
      ? api.GET('/api/v1/users/{id}/notification-preferences', { params: { path: { id: 'me' } } })
      : undefined,
    admin ? api.GET('/api/v1/notification-settings') : undefined,
    admin ? catalog() : [],
  ]);
  if (stale()) return;
  replace(
    main,
    heading,
    preferencesForm(
      me,
      mine?.data,
      describeProblem(mine?.error, 'Your preferences could not be loaded.'),
    ),
    !workspace
      ? null
      : workspace.data
        ? workspaceForm(workspace.data, networks)
        : notice(
            describeProblem(workspace.error, 'The workspace settings could not be loaded.'),
            'alert',
          ),
  );
  pageShown(main, 'Settings');
}
