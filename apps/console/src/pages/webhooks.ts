import type { Schemas } from '@tether/client';
import { confirmAction } from '../confirm';
import { h, notice, replace, tableHead } from '../dom';
import { when } from '../format';
import { pageShown, type PageContext } from '../page';
import { client, describeProblem } from '../session';

type Webhook = Schemas['Webhook'];
type WebhookEvent = Webhook['events'][number];

/** Every event a webhook can subscribe to, in words (the record makes the compiler list all). */
const WEBHOOK_EVENTS: Readonly<Record<WebhookEvent, string>> = {
  'connection.expiring': 'a connection will expire unless someone reconnects it',
  'connection.degraded': 'the network refuses the app’s credentials',
  'connection.revoked': 'a connection was revoked',
  'connection.expired': 'a connection expired',
  'connection.unresolved': 'a broken connection is still not fixed (follow-up)',
  'connection.recovered': 'a connection works again',
};

function eventsOf(webhook: Webhook): string {
  return webhook.events.length > 0 ? webhook.events.join(', ') : 'every event';
}

/** The form that subscribes a URL; `created` gets the new webhook and its secret. */
function createForm(created: (webhook: Webhook, secret: string) => void): HTMLElement {
  const outcome = h('div', { class: 'outcome' });
  const url = h('input', {
    id: 'webhook-url',
    type: 'url',
    required: true,
    placeholder: 'https://example.com/tether-events',
    size: '40',
  });
  const description = h('input', { id: 'webhook-description', size: '30' });
  const boxes = (Object.keys(WEBHOOK_EVENTS) as WebhookEvent[]).map((event) => ({
    event,
    input: h('input', { type: 'checkbox', value: event }),
  }));
  return h(
    'form',
    {
      class: 'card',
      'aria-labelledby': 'create-title',
      onsubmit: (submitted: Event) => {
        submitted.preventDefault();
        void (async () => {
          const { data, error } = await client().POST('/api/v1/webhooks', {
            body: {
              url: url.value.trim(),
              ...(description.value.trim() ? { description: description.value.trim() } : {}),
              events: boxes.filter(({ input }) => input.checked).map(({ event }) => event),
            },
          });
          if (data) created(data, data.secret);
          else
            replace(
              outcome,
              notice(describeProblem(error, 'The webhook could not be created.'), 'alert'),
            );
        })();
      },
    },
    h('h2', { id: 'create-title' }, 'Add a webhook'),
    h('p', {}, h('label', { for: 'webhook-url' }, 'URL'), h('br'), url),
    h(
      'p',
      {},
      h('label', { for: 'webhook-description' }, 'Description (optional)'),
      h('br'),
      description,
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Events (none ticked: every event)'),
      ...boxes.map(({ event, input }) =>
        h(
          'label',
          { class: 'choice' },
          input,
          ' ',
          h('code', {}, event),
          h('span', { class: 'muted' }, `: ${WEBHOOK_EVENTS[event]}`),
        ),
      ),
    ),
    h('button', { type: 'submit' }, 'Add webhook'),
    outcome,
  );
}

/** The secret, this once, with what to do with it. */
function secretCard(webhook: Webhook, secret: string): HTMLElement {
  return h(
    'section',
    { class: 'card', role: 'status', 'aria-labelledby': 'secret-title' },
    h('h2', { id: 'secret-title' }, `Added ${webhook.url}`),
    h(
      'p',
      {},
      'Its signing secret is shown only now: keep it where your receiver can verify signatures with it (Standard Webhooks).',
    ),
    h(
      'p',
      {},
      h('label', { for: 'webhook-secret' }, 'Signing secret'),
      h('br'),
      h('input', {
        id: 'webhook-secret',
        readonly: true,
        value: secret,
        size: '60',
        onfocus: (event: Event) => (event.target as HTMLInputElement).select(),
      }),
    ),
  );
}

/** The workspace's webhooks: subscribe a URL, see each one's deliveries, unsubscribe. */
export async function webhooksPage(context: PageContext, secretShown?: HTMLElement): Promise<void> {
  const { main, stale } = context;
  const api = client();
  const listed = await api.GET('/api/v1/webhooks');
  if (stale()) return;
  const heading = h('h1', {}, 'Webhooks');
  if (!listed.data) {
    replace(
      main,
      heading,
      notice(describeProblem(listed.error, 'The webhooks could not be loaded.'), 'alert'),
    );
    pageShown(main, 'Webhooks');
    return;
  }
  const outcome = h('div', { class: 'outcome' });
  const remove = (webhook: Webhook) =>
    confirmAction(
      main,
      {
        title: `Delete the webhook to ${webhook.url}?`,
        text: 'Tether stops sending it events and drops the deliveries not yet made. Its past deliveries stay on record.',
        action: 'Delete',
      },
      () =>
        void (async () => {
          const { error, response } = await api.DELETE('/api/v1/webhooks/{id}', {
            params: { path: { id: webhook.id } },
          });
          if (!response.ok) {
            replace(outcome, notice(describeProblem(error, 'It could not be deleted.'), 'alert'));
            return;
          }
          await webhooksPage(context, notice(`Deleted the webhook to ${webhook.url}.`));
        })(),
    );
  const webhooks = listed.data.data;
  replace(
    main,
    heading,
    outcome,
    secretShown,
    webhooks.length === 0
      ? h('p', {}, 'No webhooks yet: nothing is sent anywhere.')
      : h(
          'table',
          {},
          tableHead('URL', 'Events', 'Added', h('span', { class: 'visually-hidden' }, 'Actions')),
          h(
            'tbody',
            {},
            ...webhooks.map((webhook) =>
              h(
                'tr',
                {},
                h(
                  'td',
                  {},
                  h('a', { href: `#/webhooks/${encodeURIComponent(webhook.id)}` }, webhook.url),
                  webhook.description ? h('div', { class: 'muted' }, webhook.description) : null,
                ),
                h('td', {}, eventsOf(webhook)),
                h('td', {}, when(webhook.createdAt)),
                h(
                  'td',
                  {},
                  h(
                    'button',
                    {
                      type: 'button',
                      class: 'danger',
                      'aria-label': `Delete the webhook to ${webhook.url}`,
                      onclick: () => remove(webhook),
                    },
                    'Delete…',
                  ),
                ),
              ),
            ),
          ),
        ),
    createForm((webhook, secret) => void webhooksPage(context, secretCard(webhook, secret))),
  );
  pageShown(main, 'Webhooks');
}
