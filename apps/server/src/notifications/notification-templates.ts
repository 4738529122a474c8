import { type Actor, REASON_DESCRIPTIONS, isReason } from '@tether/provider-sdk';
import type { Accounts } from './notice';

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

/** `Grace Example`, or `Grace Example and 2 more`, for subjects. */
function headline(connections: Accounts): string {
  const [first, ...others] = connections;
  return others.length === 0 ? first.accountName : `${first.accountName} and ${others.length} more`;
}

/** `The X connection “name” (account)`, or the list of them, as the sentence's subject. */
function naming(connections: Accounts, network: string): { who: string; plural: boolean } {
  const described = connections.map((c) => `“${c.name}” (${c.accountName})`);
  return connections.length === 1
    ? { who: `The ${network} connection ${described[0]}`, plural: false }
    : {
        who: `${connections.length} ${network} connections on one authorization (${described.join(', ')})`,
        plural: true,
      };
}

/** Who must act, in the message's words. */
const WHO_ACTS: Readonly<Record<Actor, string>> = {
  owner: 'Who acts: the person who connected the account.',
  account_admin:
    'Who acts: an admin of the account on the network restores the role first; then the person who connected it reconnects.',
  operator:
    'Who acts: the operator who runs Tether and holds the app credentials. The account owners need not reconnect.',
  nobody: 'Who acts: nobody; Tether retries by itself.',
};

/** Who must act on a reason when the verdict did not say: the reason's own default. */
export function actorOf(reason: string | undefined, said?: unknown): Actor {
  if (said === 'owner' || said === 'account_admin' || said === 'operator' || said === 'nobody')
    return said;
  return reason && isReason(reason) ? REASON_DESCRIPTIONS[reason].actor : 'owner';
}

/**
 * The alert when a connection ends: which accounts, why in plain words, who acts and what to
 * do. One message covers every account of the authorization that ended with it.
 */
export function alertMessage(
  connections: Accounts,
  network: string,
  incident: {
    readonly expired: boolean;
    readonly reason: string | undefined;
    readonly remedy: string | undefined;
    readonly actor: Actor;
    /** The network's reconnect deadline, when waiting longer loses something. */
    readonly deadline?: { readonly by: Date; readonly consequence: string };
  },
  link: string | undefined,
): Message {
  const reason =
    incident.reason && isReason(incident.reason)
      ? REASON_DESCRIPTIONS[incident.reason].meaning
      : 'The network ended the connection.';
  const { who, plural } = naming(connections, network);
  const ended = incident.expired
    ? plural
      ? 'have expired'
      : 'has expired'
    : plural
      ? 'were disconnected'
      : 'was disconnected';
  return render(
    `${network}: ${headline(connections)} ${ended}`,
    [
      `${who} ${ended}. Tools using ${plural ? 'them' : 'it'} can no longer publish or read on ${plural ? 'their' : 'its'} behalf.`,
      `Why: ${reason}`,
      WHO_ACTS[incident.actor],
      `What to do: ${incident.remedy ?? 'Reconnect the account.'}${plural ? ' Reconnecting one of them renews them all.' : ''}`,
      ...(incident.deadline
        ? [
            `Reconnect by ${incident.deadline.by.toUTCString()}: after that, ${incident.deadline.consequence}.`,
          ]
        : []),
    ],
    link,
  );
}

/**
 * The alert to the workspace's admins when the network refuses the operator's own app (its
 * credentials, or a product it lacks): the accounts keep their authorization and work again
 * once the app is fixed, so nobody is asked to reconnect and no reconnect link is given.
 */
export function operatorAlertMessage(
  connections: Accounts,
  network: string,
  incident: { readonly reason: string | undefined; readonly remedy: string | undefined },
): Message {
  const reason =
    incident.reason && isReason(incident.reason)
      ? REASON_DESCRIPTIONS[incident.reason].meaning
      : 'The network refused the app.';
  const { who, plural } = naming(connections, network);
  return render(`${network}: the network refuses Tether’s app, an operator must act`, [
    `${who} cannot be renewed or checked: ${network} refuses the app Tether connects ${plural ? 'them' : 'it'} with. Tether keeps retrying.`,
    `Why: ${reason}`,
    WHO_ACTS.operator,
    `What to do: ${incident.remedy ?? REASON_DESCRIPTIONS.app_misconfigured.remedy}`,
  ]);
}

/** The note when connections that were alerted on work again. */
export function recoveryMessage(connections: Accounts, network: string): Message {
  const { who, plural } = naming(connections, network);
  return render(`${network}: ${headline(connections)} ${plural ? 'are' : 'is'} connected again`, [
    `${who} ${plural ? 'work' : 'works'} again. Nothing more to do.`,
  ]);
}

/**
 * A reminder before a hard expiry only the owner can prevent, naming every account the
 * authorization stands behind: they all lapse together.
 */
export function reminderMessage(
  connections: Accounts,
  network: string,
  expiresAt: Date,
  link: string | undefined,
): Message {
  const { who, plural } = naming(connections, network);
  return render(
    `${network}: reconnect ${headline(connections)} before ${expiresAt.toISOString().slice(0, 10)}`,
    [
      `${who} ${plural ? 'stop' : 'stops'} working on ${expiresAt.toUTCString()}, and only ${plural ? 'their' : 'its'} owner can renew ${plural ? 'them' : 'it'}.`,
      `What to do: ${connections[0].remedy ?? 'Reconnect the account before then.'}${plural ? ' Reconnecting one of them renews them all.' : ''}`,
    ],
    link,
  );
}

/** A follow-up while connections stay broken. */
export function followUpMessage(
  connections: Accounts,
  network: string,
  since: Date,
  link: string | undefined,
): Message {
  const { who, plural } = naming(connections, network);
  return render(
    `${network}: ${headline(connections)} ${plural ? 'are' : 'is'} still disconnected`,
    [
      `${who} ${plural ? 'have' : 'has'} not worked since ${since.toUTCString()}.`,
      WHO_ACTS[actorOf(connections[0].reason)],
      `What to do: ${connections[0].remedy ?? 'Reconnect the account.'}`,
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
