import { type Actor, REASON_DESCRIPTIONS, isReason } from '@tether/provider-sdk';
import { type EmailTemplates, type Message, escapeHtml, renderEmail } from './email-templates';
import type { Accounts } from './notice';

/** `Grace Example`, or `Grace Example and 2 more`, for subjects. */
function headline(connections: Accounts): string {
  const [first, ...others] = connections;
  return others.length === 0 ? first.name : `${first.name} and ${others.length} more`;
}

/**
 * `“Bakery page” (Example Bakery)`, or `“A”, “B” and “C”`: the names people gave, with the
 * account's own name where it says something more.
 */
export function accountList(connections: Accounts): string {
  const names = connections.map((c) =>
    c.name.includes(c.accountName) ? `“${c.name}”` : `“${c.name}” (${c.accountName})`,
  );
  return names.length === 1
    ? names[0]!
    : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]!}`;
}

const DAY_FORMAT = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' });
const MOMENT_FORMAT = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'long',
  timeStyle: 'short',
  timeZone: 'UTC',
});

/** `15 December 2026 at 09:30 UTC`: a moment a reader can act by. */
export function moment(at: Date): string {
  return `${MOMENT_FORMAT.format(at)} UTC`;
}

/** The reason's description, or `undefined` when the reason is not one of the taxonomy. */
export function described(reason: string | undefined) {
  return reason && isReason(reason) ? REASON_DESCRIPTIONS[reason] : undefined;
}

/** Who must act, in the message's words. */
export const WHO_ACTS: Readonly<Record<Actor, string>> = {
  owner: 'the person who connected the account.',
  account_admin:
    'an admin of the account on the network gives the role back first; then the person who connected it reconnects.',
  operator:
    'whoever runs Tether for your organisation, who holds the app’s settings. The account owners need not do anything.',
  nobody: 'nobody: Tether tries again by itself.',
};

/** The values every email fills: which accounts, on which network, and the reconnect link. */
function about(connections: Accounts, network: string, link?: string) {
  return {
    network,
    accounts: accountList(connections),
    headline: headline(connections),
    link: link ?? '',
  };
}

/** What to do, and that one reconnection covers every account of the authorization. */
function whatToDo(remedy: string, plural: boolean): string {
  return plural ? `${remedy} Reconnecting one of them reconnects them all.` : remedy;
}

/** Who must act on a reason when the verdict did not say: the reason's own default. */
export function actorOf(reason: string | undefined, said?: unknown): Actor {
  if (said === 'owner' || said === 'account_admin' || said === 'operator' || said === 'nobody')
    return said;
  return reason && isReason(reason) ? REASON_DESCRIPTIONS[reason].actor : 'owner';
}

/**
 * The alert when a connection ends: which accounts, what happened in plain words, what to do,
 * by when and who does it. One message covers every account of the authorization that ended
 * with it. The reason's words come from the taxonomy, not from the network's error.
 */
export function alertMessage(
  connections: Accounts,
  network: string,
  incident: {
    readonly expired: boolean;
    readonly reason: string | undefined;
    readonly actor: Actor;
    /** The network's reconnect deadline, when waiting longer loses something. */
    readonly deadline?: { readonly by: Date; readonly consequence: string };
  },
  link: string | undefined,
  templates?: EmailTemplates,
): Message {
  const plural = connections.length > 1;
  const status = incident.expired
    ? plural
      ? 'have expired'
      : 'has expired'
    : plural
      ? 'were disconnected'
      : 'was disconnected';
  const description = described(incident.reason);
  return renderEmail(
    'alert',
    {
      ...about(connections, network, link),
      status,
      what_happened: `${accountList(connections)} on ${network} ${status}: tools that use ${plural ? 'them' : 'it'} through Tether can no longer publish or read for ${plural ? 'them' : 'it'}.`,
      why: description?.meaning ?? 'The network ended the connection.',
      what_to_do: whatToDo(description?.remedy ?? 'Reconnect the account.', plural),
      by_when: incident.deadline
        ? `Before ${moment(incident.deadline.by)}: after that, ${incident.deadline.consequence}.`
        : 'As soon as you can.',
      who_acts: WHO_ACTS[incident.actor],
    },
    templates,
  );
}

/**
 * The alert to the workspace's admins when the network refuses the operator's own app (its
 * credentials, or a product it lacks): the accounts keep their authorization and work again
 * once the app is fixed, so nobody is asked to reconnect and no reconnect link is given. The
 * network's own remedy is added as details: this reader runs Tether.
 */
export function operatorAlertMessage(
  connections: Accounts,
  network: string,
  incident: { readonly reason: string | undefined; readonly remedy: string | undefined },
  templates?: EmailTemplates,
): Message {
  const description = described(incident.reason) ?? REASON_DESCRIPTIONS.app_misconfigured;
  return renderEmail(
    'operator-alert',
    {
      ...about(connections, network),
      what_happened: `${network} refuses the app Tether connects with, so Tether cannot renew or check ${accountList(connections)}. Tether keeps trying.`,
      why: description.meaning,
      what_to_do: description.remedy,
      who_acts: WHO_ACTS.operator,
      details: incident.remedy ?? '',
    },
    templates,
  );
}

/** The note when connections that were alerted on work again. */
export function recoveryMessage(
  connections: Accounts,
  network: string,
  templates?: EmailTemplates,
): Message {
  const plural = connections.length > 1;
  return renderEmail(
    'recovery',
    {
      ...about(connections, network),
      status: plural ? 'are connected again' : 'is connected again',
      what_happened: `${accountList(connections)} on ${network} ${plural ? 'work' : 'works'} again.`,
      what_to_do: '',
      who_acts: '',
    },
    templates,
  );
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
  templates?: EmailTemplates,
): Message {
  const plural = connections.length > 1;
  return renderEmail(
    'reminder',
    {
      ...about(connections, network, link),
      date: DAY_FORMAT.format(expiresAt),
      what_happened: `${accountList(connections)} on ${network} will stop working on ${moment(expiresAt)}. ${network} does not let Tether renew ${plural ? 'them' : 'it'} by itself: only the person who connected ${plural ? 'them' : 'it'} can.`,
      what_to_do: whatToDo(REASON_DESCRIPTIONS.token_expired.remedy, plural),
      by_when: `Before ${moment(expiresAt)}.`,
      who_acts: WHO_ACTS.owner,
    },
    templates,
  );
}

/** A follow-up while connections stay broken. */
export function followUpMessage(
  connections: Accounts,
  network: string,
  since: Date,
  link: string | undefined,
  templates?: EmailTemplates,
): Message {
  const plural = connections.length > 1;
  const reason = connections[0].reason;
  const description = described(reason);
  return renderEmail(
    'follow-up',
    {
      ...about(connections, network, link),
      status: plural ? 'are still disconnected' : 'is still disconnected',
      since: moment(since),
      what_happened: `${accountList(connections)} on ${network} ${plural ? 'have' : 'has'} not worked since ${moment(since)}.`,
      why: description?.meaning ?? '',
      what_to_do: whatToDo(description?.remedy ?? 'Reconnect the account.', plural),
      who_acts: WHO_ACTS[actorOf(reason)],
    },
    templates,
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
        `<h2>${escapeHtml(item.subject)}</h2>${item.text
          .split('\n\n')
          .map((p) => `<p>${escapeHtml(p)}</p>`)
          .join('')}`,
    )
    .join('')}</body></html>`;
  return { subject, text, html };
}
