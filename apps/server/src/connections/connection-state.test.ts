import { Connection, Grant } from '@tether/persistence';
import type { Provider } from '@tether/provider-sdk';
import { describe, expect, it } from 'vitest';
import { setHardExpiry } from './connection-state';

describe('setHardExpiry', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  const at = new Date('2027-01-01T00:00:00Z');
  const provider = { refresh: { kind: 'reauthorize', see: 'x' } } as unknown as Provider;
  const grant = Object.assign(new Grant(), { accessTokenExpiresAt: at });

  it('makes the reminders due when the expiry moves, and leaves them when it does not', () => {
    const connection = Object.assign(new Connection(), { hardExpiresAt: new Date(0) });
    setHardExpiry(provider, grant, connection, now);
    expect(connection.nextReminderAt).toEqual(now);
    const planned = new Date('2026-12-25T00:00:00Z');
    connection.nextReminderAt = planned;
    setHardExpiry(provider, grant, connection, now);
    expect(connection.nextReminderAt).toBe(planned);
  });

  it('wakes reminders that were switched off while the connection did not work', () => {
    const connection = Object.assign(new Connection(), { hardExpiresAt: at });
    setHardExpiry(provider, grant, connection, now);
    expect(connection.nextReminderAt).toEqual(now);
  });

  it('clears them when there is no hard expiry any more (an own token that never expires)', () => {
    const connection = Object.assign(new Connection(), {
      hardExpiresAt: at,
      nextReminderAt: at,
      accessToken: 'sealed',
    });
    setHardExpiry(provider, grant, connection, now);
    expect(connection.hardExpiresAt).toBeUndefined();
    expect(connection.nextReminderAt).toBeUndefined();
  });
});
