import type { Schemas } from '@tether/client';
import { h, notice, replace, tableHead } from '../dom';
import { when } from '../format';
import { pageShown, type PageContext } from '../page';
import { client, describeProblem } from '../session';

type Delivery = Schemas['WebhookDelivery'];
type Attempt = Delivery['attempts'][number];

const STATUS_CLASS: Record<Delivery['status'], string> = {
  delivered: 'status-active',
  pending: 'status-expiring',
  failed: 'status-revoked',
};

function answerOf(attempt: Attempt): string {
  if (attempt.statusCode !== null) return `HTTP ${attempt.statusCode}`;
  return attempt.error ?? 'no answer';
}

function attemptsTable(delivery: Delivery): HTMLElement {
  if (delivery.attempts.length === 0) return h('p', { class: 'muted' }, 'Not attempted yet.');
  return h(
    'table',
    {},
    h('caption', { class: 'muted' }, `Attempts of delivery ${delivery.id}`),
    tableHead('When', 'Answer', 'Took'),
    h(
      'tbody',
      {},
      ...delivery.attempts.map((attempt) =>
        h(
          'tr',
          {},
          h('td', {}, when(attempt.at)),
          h('td', {}, answerOf(attempt)),
          h('td', {}, `${Math.round(attempt.durationMs)} ms`),
        ),
      ),
    ),
  );
}

/** One webhook: its deliveries, newest first, each with its attempts; failed ones can be sent again. */
export async function webhookDeliveriesPage(context: PageContext, id: string): Promise<void> {
  const { main, query, stale } = context;
  const api = client();
  const cursor = query.get('cursor');
  const path = { path: { id } };
  const [found, page] = await Promise.all([
    api.GET('/api/v1/webhooks/{id}', { params: path }),
    api.GET('/api/v1/webhooks/{id}/deliveries', {
      params: { ...path, query: { limit: 20, ...(cursor ? { cursor } : {}) } },
    }),
  ]);
  if (stale()) return;
  const back = h('p', {}, h('a', { href: '#/webhooks' }, 'Webhooks'));
  if (!found.data || !page.data) {
    replace(
      main,
      back,
      h('h1', {}, 'Webhook not found'),
      notice(describeProblem(found.error ?? page.error, 'It could not be loaded.'), 'alert'),
    );
    pageShown(main, 'Webhook not found');
    return;
  }
  const webhook = found.data;
  const outcome = h('div', { class: 'outcome' });
  const redeliver = async (delivery: Delivery) => {
    const { data, error } = await api.POST(
      '/api/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver',
      { params: { path: { id, deliveryId: delivery.id } } },
    );
    if (!data) {
      replace(outcome, notice(describeProblem(error, 'It could not be sent again.'), 'alert'));
      return;
    }
    await webhookDeliveriesPage(context, id);
    const region = main.querySelector('.outcome');
    if (region) replace(region, notice(`Delivery ${delivery.id} is being sent again.`));
  };
  const base = `#/webhooks/${encodeURIComponent(id)}`;
  const deliveries = page.data.data;
  replace(
    main,
    back,
    h('h1', {}, `Webhook to ${webhook.url}`),
    outcome,
    h(
      'p',
      { class: 'muted' },
      webhook.events.length > 0 ? `Events: ${webhook.events.join(', ')}.` : 'Every event.',
      ' Added ',
      when(webhook.createdAt),
      '.',
    ),
    h(
      'p',
      {},
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          onclick: () => void webhookDeliveriesPage(context, id),
        },
        'Refresh',
      ),
    ),
    h('h2', {}, 'Deliveries'),
    deliveries.length === 0
      ? h('p', {}, 'Nothing has been sent to it yet.')
      : h(
          'ul',
          { class: 'feed' },
          ...deliveries.map((delivery) =>
            h(
              'li',
              { class: 'card' },
              h(
                'h3',
                {},
                h('span', { class: `status ${STATUS_CLASS[delivery.status]}` }, delivery.status),
                ' ',
                delivery.event,
              ),
              h(
                'p',
                { class: 'muted' },
                'Created ',
                when(delivery.createdAt),
                ...(delivery.nextAttemptAt
                  ? ['; next attempt ', when(delivery.nextAttemptAt)]
                  : []),
                `. Delivery id ${delivery.id}.`,
              ),
              attemptsTable(delivery),
              delivery.status === 'failed'
                ? h(
                    'p',
                    {},
                    h(
                      'button',
                      {
                        type: 'button',
                        'aria-label': `Redeliver ${delivery.event} (${delivery.id})`,
                        onclick: () => void redeliver(delivery),
                      },
                      'Redeliver',
                    ),
                  )
                : null,
            ),
          ),
        ),
    h(
      'nav',
      { 'aria-label': 'Pages', class: 'actions' },
      cursor ? h('a', { href: base }, 'Newest') : null,
      page.data.nextCursor
        ? h('a', { href: `${base}?cursor=${encodeURIComponent(page.data.nextCursor)}` }, 'Older')
        : null,
    ),
  );
  pageShown(main, `Webhook to ${webhook.url}`);
}
