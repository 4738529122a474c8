import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger';

/** A destination that keeps what the logger wrote. */
function sink() {
  const written: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written.push(chunk.toString());
      done();
    },
  });
  return Object.assign(stream, { written });
}

describe('the host logger', () => {
  it('writes JSON lines with the level by name, and redacts secret-named fields at any depth', () => {
    const out = sink();
    const logger = createLogger({ logLevel: 'info', logFormat: 'json' }, out);
    logger.info(
      {
        req: { headers: { authorization: 'Bearer tth_abc', cookie: 'sid=1', 'x-api-key': 'k-1' } },
        grant: { accessToken: 'at-1', refresh_token: 'rt-1', clientSecret: 'cs-1' },
        password: 'pw-1',
        provider: 'fixture',
      },
      'context of a call',
    );
    logger.debug('below the level');
    expect(out.written).toHaveLength(1);
    const line = out.written[0]!;
    for (const secret of ['tth_abc', 'sid=1', 'k-1', 'at-1', 'rt-1', 'cs-1', 'pw-1'])
      expect(line).not.toContain(secret);
    expect(JSON.parse(line)).toMatchObject({
      level: 'info',
      msg: 'context of a call',
      provider: 'fixture',
      password: '[redacted]',
      grant: { accessToken: '[redacted]' },
    });
  });

  it('redacts in bound fields and arrays too, and leaves the logged objects as they were', () => {
    const out = sink();
    const logger = createLogger({ logLevel: 'info', logFormat: 'json' }, out);
    const calls = [{ url: '/x', headers: { authorization: 'Bearer tth_def' } }];
    logger.child({ apiKey: 'ak-1', requestId: 'r-1' }).info({ calls }, 'with a child');
    const line = out.written[0]!;
    for (const secret of ['tth_def', 'ak-1']) expect(line).not.toContain(secret);
    expect(JSON.parse(line)).toMatchObject({
      requestId: 'r-1',
      apiKey: '[redacted]',
      calls: [{ url: '/x', headers: { authorization: '[redacted]' } }],
    });
    expect(calls[0]!.headers.authorization).toBe('Bearer tth_def');
  });

  it('writes readable text when asked for pretty logs', () => {
    const out = sink();
    createLogger({ logLevel: 'info', logFormat: 'pretty' }, out).info(
      { context: 'Tether', accessToken: 'at-2' },
      'Tether listening on http://127.0.0.1:3000 (every interface)',
    );
    const text = out.written.join('');
    expect(text).toContain('INFO');
    expect(text).toContain('[Tether] Tether listening on http://127.0.0.1:3000 (every interface)');
    expect(text).not.toContain('at-2');
    expect(() => JSON.parse(text) as unknown).toThrow();
  });
});
