import { MikroORM } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturedLog as log } from './support/captured-log';
import { type Mode, startServer, type TestServer } from './support/server';

// Regression: a database error was logged with its SQL and the bound values, emails included.
describe.each<Mode>(['embedded', 'distributed'])('database errors in the log, %s mode', (mode) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(mode);
    // A rule the API does not know about, so the insert fails in the database itself.
    const connection = server.app.get(MikroORM).em.getConnection();
    await connection.execute(
      mode === 'embedded'
        ? `create trigger users_refuse_blocked before insert on users when new.email like '%@blocked.example' begin select raise(abort, 'blocked domain'); end`
        : `alter table users add constraint users_refuse_blocked check (email not like '%@blocked.example')`,
    );
  });
  afterAll(async () => {
    await server?.close();
  });

  it('logs the failing query’s shape without its values', async () => {
    const response = await server.request('POST', '/api/v1/users', {
      json: { email: 'grace.secret@blocked.example', name: 'Grace Hidden' },
    });
    expect(response.status).toBe(500);
    const logged = log.text();
    expect(logged).toMatch(/insert into/i);
    expect(logged).not.toContain('grace.secret');
    expect(logged).not.toContain('Grace Hidden');
    expect(logged).not.toContain('Failing row');
  });

  it('hides values with quotes and dashes in them too', async () => {
    const response = await server.request('POST', '/api/v1/users', {
      json: {
        email: "o'hara - secret@blocked.example".replace(' - ', '-'),
        name: "O'Hara - Hidden",
      },
    });
    expect(response.status).toBe(500);
    const logged = log.text();
    expect(logged).not.toContain('hara');
    expect(logged).not.toContain('Hidden');
  });
});
