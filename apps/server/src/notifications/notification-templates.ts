import type { Connection } from '@tether/persistence';
import { REASON_DESCRIPTIONS, isReason } from '@tether/provider-sdk';

function escape(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A message in plain text and HTML. Never holds a token or secret: only names, reasons and remedies. */
export interface Message {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

function render(subject: string, paragraphs: readonly string[], link?: string): Message {
  const text = [...paragraphs, ...(link ? [`Reconnect: ${link}`] : [])].join('\n\n');
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif">${paragraphs
    .map((p) => `<p>${escape(p)}</p>`)
    .join(
      '',
    )}${link ? `<p><a href="${escape(link)}">Reconnect the account</a></p>` : ''}</body></html>`;
  return { subject, text, html };
}

/** The alert when a connection ends: which account, why in plain words, and what to do. */
export function alertMessage(
  connection: Connection,
  network: string,
  incident: {
    readonly expired: boolean;
    readonly reason: string | undefined;
    readonly remedy: string | undefined;
    /** The network's reconnect deadline, when waiting longer loses something. */
    readonly deadline?: { readonly by: Date; readonly consequence: string };
  },
  link: string | undefined,
): Message {
  const reason =
    incident.reason && isReason(incident.reason)
      ? REASON_DESCRIPTIONS[incident.reason].meaning
      : 'The network ended the connection.';
  const ended = incident.expired ? 'has expired' : 'was disconnected';
  return render(
    `${network}: ${connection.accountName} ${ended}`,
    [
      `The ${network} connection “${connection.name}” (${connection.accountName}) ${ended}. Tools using it can no longer publish or read on its behalf.`,
      `Why: ${reason}`,
      `What to do: ${incident.remedy ?? 'Reconnect the account.'}`,
      ...(incident.deadline
        ? [
            `Reconnect by ${incident.deadline.by.toUTCString()}: after that, ${incident.deadline.consequence}.`,
          ]
        : []),
    ],
    link,
  );
}

/** The note when a connection that was alerted on works again. */
export function recoveryMessage(connection: Connection, network: string): Message {
  return render(`${network}: ${connection.accountName} is connected again`, [
    `The ${network} connection “${connection.name}” (${connection.accountName}) works again. Nothing more to do.`,
  ]);
}

/**
 * A reminder before a hard expiry only the owner can prevent, naming every account the
 * authorization stands behind: they all lapse together.
 */
export function reminderMessage(
  connections: readonly [Connection, ...Connection[]],
  network: string,
  expiresAt: Date,
  link: string | undefined,
): Message {
  const [first, ...others] = connections;
  const accounts = connections.map((c) => `“${c.name}” (${c.accountName})`);
  return render(
    `${network}: reconnect ${first.accountName}${others.length > 0 ? ` and ${others.length} more` : ''} before ${expiresAt.toISOString().slice(0, 10)}`,
    [
      others.length === 0
        ? `The ${network} connection ${accounts[0]} stops working on ${expiresAt.toUTCString()}, and only its owner can renew it.`
        : `These ${network} connections share one authorization and stop working together on ${expiresAt.toUTCString()}: ${accounts.join(', ')}. Only their owner can renew it; reconnecting once renews them all.`,
      `What to do: ${first.remedy ?? 'Reconnect the account before then.'}`,
    ],
    link,
  );
}

/** A follow-up while a connection stays broken. */
export function followUpMessage(
  connection: Connection,
  network: string,
  since: Date,
  link: string | undefined,
): Message {
  return render(
    `${network}: ${connection.accountName} is still disconnected`,
    [
      `The ${network} connection “${connection.name}” (${connection.accountName}) has not worked since ${since.toUTCString()}.`,
      `What to do: ${connection.remedy ?? 'Reconnect the account.'}`,
    ],
    link,
  );
}

/** One email gathering a day's notifications, in the order they happened. */
export function digestMessage(items: readonly { subject: string; text: string }[]): Message {
  const subject =
    items.length === 1
      ? `Tether digest: ${items[0]!.subject}`
      : `Tether digest: ${items.length} updates about your connections`;
  const text = items.map((item) => `## ${item.subject}\n\n${item.text}`).join('\n\n');
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif">${items
    .map(
      (item) =>
        `<h2>${escape(item.subject)}</h2>${item.text
          .split('\n\n')
          .map((p) => `<p>${escape(p)}</p>`)
          .join('')}`,
    )
    .join('')}</body></html>`;
  return { subject, text, html };
}
