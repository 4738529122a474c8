import { Connection } from '@tether/persistence';
import { describe, expect, it } from 'vitest';
import { setHardExpiry } from './hard-expiry';

describe('setHardExpiry', () => {
  const at = new Date('2027-01-01T00:00:00Z');

  it('makes the reminders due when the expiry moves, and leaves them when it does not', () => {
    const connection = Object.assign(new Connection(), { hardExpiresAt: new Date(0) });
    setHardExpiry(connection, at);
    expect(connection.nextReminderAt).toBeInstanceOf(Date);
    const planned = new Date('2026-12-25T00:00:00Z');
    connection.nextReminderAt = planned;
    setHardExpiry(connection, new Date(at));
    expect(connection.nextReminderAt).toBe(planned);
  });

  it('wakes reminders that were switched off while the connection did not work', () => {
    const connection = Object.assign(new Connection(), { hardExpiresAt: at });
    setHardExpiry(connection, new Date(at));
    expect(connection.nextReminderAt).toBeInstanceOf(Date);
  });

  it('clears them when there is no hard expiry any more', () => {
    const connection = Object.assign(new Connection(), { hardExpiresAt: at, nextReminderAt: at });
    setHardExpiry(connection, undefined);
    expect(connection.nextReminderAt).toBeUndefined();
  });
});
