import type { Connection } from '@tether/client';
import { h } from './dom';

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
];

/** `in 3 days`, `2 hours ago`: how far `iso` is from now. */
function fromNow(iso: string): string {
  const seconds = (Date.parse(iso) - Date.now()) / 1000;
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return relative.format(Math.round(seconds), 'second');
}

/** A date and time in the reader's locale, with how far it is from now. */
export function when(iso: string | null | undefined): HTMLElement | string {
  if (!iso) return '—';
  return h('time', { datetime: iso, title: new Date(iso).toLocaleString() }, fromNow(iso));
}

/**
 * When the connection stops working unless the person reconnects: its hard expiry, else the
 * refresh token's; `null` when neither runs out by time.
 */
export function expiryOf(connection: Connection): string | null {
  return connection.hardExpiresAt ?? connection.refreshTokenExpiresAt ?? null;
}

/** The connection's status as a badge; the text says it, the colour only repeats it. */
export function statusBadge(status: Connection['status']): HTMLElement {
  return h('span', { class: `status status-${status}` }, status);
}

export const STATUSES: readonly Connection['status'][] = [
  'active',
  'expiring',
  'degraded',
  'expired',
  'revoked',
];
