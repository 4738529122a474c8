import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from './support/connect';
import { type DocumentedRoute, type JsonSchema, openApiRoutes } from './support/openapi-routes';
import { json, type Mode, startServer, type TestServer } from './support/server';

/** Requests per database: enough to reach every route many times, bounded for a 2-core machine. */
const RUNS = 500;

/** Who sends a fuzzed request: mostly the admin, so requests get past the guard. */
const KEYS = ['admin', 'member', 'tokensRead', 'operator', 'none', 'garbage'] as const;
type KeyName = (typeof KEYS)[number];

/** One concrete request: everything the property sends. */
interface FuzzRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly target: string;
  readonly key: KeyName;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** Strings that have broken parsers, routers and databases before. */
const NASTY_STRINGS = [
  '',
  ' ',
  '.',
  '..',
  '%',
  '%zz',
  '%c0%af',
  '%2e%2e',
  '%ff%fe',
  'me',
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-1',
  '0',
  '1e309',
  '0x7fffffff',
  '9'.repeat(400),
  "' OR '1'='1",
  '"; DROP TABLE connections; --',
  '\\',
  '\\u0000',
  '\u0000',
  '\uFEFF',
  '\uD800',
  '\uDFFF\uD800',
  '\u202E',
  '👩‍👩‍👧‍👦'.repeat(50),
  'Ω≈ç√∫˜µ≤≥÷',
  'ｔｅｓｔ',
  'a'.repeat(5000),
  '0000-01-01T00:00:00Z',
  '+275760-09-13T00:00:00.000Z',
  '9999-12-31T23:59:59-01:00',
  'eyJjcmVhdGVkQXQiOiJub3BlIiwiaWQiOjF9',
  'javascript:alert(1)',
  'http://169.254.169.254/latest/meta-data/',
  'https://user:pass@example.com/',
  'https://[::1]/',
];

/** Numbers at and past every edge JSON, JavaScript and the databases have. */
const NASTY_NUMBERS = [
  0,
  -0,
  -1,
  1.5,
  2 ** 31,
  2 ** 31 - 1,
  -(2 ** 31),
  2 ** 32,
  2 ** 53,
  -(2 ** 53),
  Number.MAX_SAFE_INTEGER + 2,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  -Number.MAX_VALUE,
  1e21,
];

/** Raw bodies that are not what they claim, or are JSON only just. */
const NASTY_BODIES = [
  '',
  '{',
  '}',
  '[',
  '{"a":',
  'null',
  'true',
  '0',
  '"text"',
  '1e400',
  '[1e400]',
  '{"status":1e999}',
  '{"status":-1e999,"body":{}}',
  '{"status":401.0000000000000001}',
  '\uFEFF{}',
  '{"a":1,"a":2}',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  'a=b&c=d',
  '--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--xyz--',
  '\u0000\u0001\u0002',
  '{"name":"\\ud800"}',
  '{"name":"\\u0000"}',
  '[]'.repeat(1000),
];

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/json; charset=nope',
  'application/merge-patch+json',
  'application/vnd.api+json',
  'text/plain',
  'text/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/octet-stream',
  '*/*',
  'application/json;;;',
  'garbage',
];

const CONTENT_ENCODINGS = ['gzip', 'br', 'deflate', 'zstd', 'identity', 'gzip, identity', 'x'];

/** Short strings of every kind: ASCII, graphemes, any code unit (lone surrogates too), known troublemakers. */
const smallHostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(...NASTY_STRINGS),
);

/** Any string, now and then one long enough to pass every column and body limit. */
const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: smallHostileString },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(255, 256, 2_001, 70_000, 1_100_000)
      .map((length) => 'x'.repeat(length)),
  },
);

/** `depth` levels of arrays or objects around a value: the parser's limit is 64. */
function nested(depth: number, object: boolean): unknown {
  let value: unknown = 1;
  for (let level = 0; level < depth; level++) value = object ? { a: value } : [value];
  return value;
}

/** An object with an own, enumerable `__proto__` or `constructor` key, as JSON can carry. */
function withPollutionKey(key: string, value: unknown, base: object): object {
  const copy = { ...base };
  Object.defineProperty(copy, key, { value, enumerable: true, configurable: true, writable: true });
  return copy;
}

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.constantFrom<unknown>(...NASTY_NUMBERS, true, false, null, [], {}),
  fc.integer(),
  fc.double(),
  fc.jsonValue({ maxDepth: 3 }),
  fc
    .tuple(fc.integer({ min: 1, max: 120 }), fc.boolean())
    .map(([depth, object]) => nested(depth, object)),
);

/** What the running server's fixture holds, for values that should pass validation. */
interface Known {
  /** Every id the fixture holds. */
  readonly ids: readonly string[];
  /** Ids by the collection they belong to (`connections`, `webhooks`, …). */
  readonly idsIn: Readonly<Record<string, readonly string[]>>;
  readonly url: string;
}

/** Values for fields whose meaning the schema does not carry, by field name. */
function hinted(name: string, known: Known): fc.Arbitrary<unknown> | undefined {
  if (name.endsWith('Id')) return fc.constantFrom(...known.ids);
  switch (name) {
    case 'provider':
      return fc.constantFrom('fixture', 'twitter', 'Fixture');
    case 'scopes':
      return fc.array(fc.constantFrom('posts.write', 'profile.read', 'nope'), { maxLength: 3 });
    case 'sharedWith':
      return fc.array(fc.constantFrom(...known.ids), { maxLength: 3 });
    case 'returnTo':
    case 'url':
      return fc.constantFrom(
        `${known.url}/done`,
        'https://hooks.example.com/x',
        'http://127.0.0.1:1/',
        'http://[::ffff:127.0.0.1]/',
        '//evil.example',
        'javascript:alert(1)',
      );
    case 'reminderSchedule':
    case 'followUpSchedule':
      return fc.array(fc.constantFrom('14d', '12h', '30s', '0s', '1x', '9999999d'), {
        maxLength: 4,
      });
    default:
      return undefined;
  }
}

/** A value the schema accepts, as far as its JSON Schema tells. */
function valid(schema: JsonSchema, known: Known, depth: number): fc.Arbitrary<unknown> {
  if (schema.enum && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  if (schema.properties) {
    return fc.record(
      Object.fromEntries(
        Object.entries(schema.properties).map(([name, property]) => [
          name,
          field(name, property, known, depth + 1),
        ]),
      ),
      { requiredKeys: (schema.required ?? []).filter((name) => name in schema.properties!) },
    );
  }
  if (typeof schema.additionalProperties === 'object') {
    return fc.dictionary(
      fc.oneof(fc.constantFrom('fixture', 'Content-Type'), smallHostileString),
      field('', schema.additionalProperties, known, depth + 1),
      { maxKeys: 3 },
    );
  }
  if (schema.items) {
    return fc.array(field('', schema.items, known, depth + 1), { maxLength: 4 });
  }
  switch (schema.type) {
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000 });
    case 'boolean':
      return fc.boolean();
    case 'string':
      return schema.format === 'email'
        ? fc
            .tuple(fc.stringMatching(/^[a-z0-9.+]{1,20}$/), fc.constantFrom('example.com', 'B.Co'))
            .map(([local, domain]) => `${local}@${domain}`)
        : fc.string({ minLength: schema.minLength ?? 0, maxLength: 30 });
    default:
      // An unconstrained value (a reported error's body): anything JSON holds.
      return fc.jsonValue({ maxDepth: 4 });
  }
}

/** A field: mostly valid, so validation passes on to the handler, now and then hostile. */
function field(
  name: string,
  schema: JsonSchema,
  known: Known,
  depth: number,
): fc.Arbitrary<unknown> {
  if (depth > 4) return hostileValue;
  return fc.oneof(
    { weight: 4, arbitrary: hinted(name, known) ?? valid(schema, known, depth) },
    { weight: 1, arbitrary: hostileValue },
  );
}

/** A whole body: shaped by the schema, with a prototype-pollution key now and then, or hostile. */
function bodyValue(schema: JsonSchema, known: Known): fc.Arbitrary<unknown> {
  const shapedBody = valid(schema, known, 0);
  return fc.oneof(
    { weight: 8, arbitrary: shapedBody },
    { weight: 1, arbitrary: hostileValue },
    {
      weight: 1,
      arbitrary: fc
        .tuple(shapedBody, fc.constantFrom('__proto__', 'constructor', 'prototype'), hostileValue)
        .map(([base, key, value]) =>
          withPollutionKey(key, value, typeof base === 'object' && base !== null ? base : {}),
        ),
    },
  );
}

/** Query values the routes document, at and past their edges. */
const QUERY_VALUES: Record<string, readonly string[]> = {
  limit: ['1', '200', '0', '201', '-1', '1.5', '1e3', 'NaN', '9007199254740993'],
  status: ['active', 'revoked', 'ACTIVE'],
  unread: ['true', 'false', 'yes'],
  expiringBefore: ['2030-01-01T00:00:00Z', '0000-01-01T00:00:00Z', '2030-02-30T00:00:00Z'],
  provider: ['fixture', 'nope'],
  q: ['%', '_', '\\', 'Member'],
  cursor: ['eyJjcmVhdGVkQXQiOiIyMDMwLTAxLTAxVDAwOjAwOjAwWiIsImlkIjoiYSJ9', 'nope'],
  error: ['access_denied', 'server_error', 'invalid_scope'],
  scope: ['profile.read posts.write', ''],
};

/**
 * Public routes the OpenAPI document leaves out: the OAuth callback (the network's redirect,
 * authenticated by `state`), the Prometheus metrics, and the reconnect and hosted connect pages
 * (people's, authenticated by their signed link).
 */
const UNDOCUMENTED_ROUTES: DocumentedRoute[] = [
  {
    method: 'GET',
    path: '/oauth/{provider}/callback',
    public: true,
    pathParams: ['provider'],
    queryParams: ['state', 'code', 'error', 'error_description', 'scope'],
  },
  {
    method: 'GET',
    path: '/reconnect/{token}',
    public: true,
    pathParams: ['token'],
    queryParams: ['session'],
  },
  {
    method: 'POST',
    path: '/reconnect/{token}',
    public: true,
    pathParams: ['token'],
    queryParams: ['mode'],
  },
  {
    method: 'GET',
    path: '/connect/{token}',
    public: true,
    pathParams: ['token'],
    queryParams: ['mode'],
  },
  {
    method: 'POST',
    path: '/connect/{token}/{provider}',
    public: true,
    pathParams: ['token', 'provider'],
    queryParams: ['mode'],
  },
];

/**
 * The OAuth callback and the reconnect and connect pages answer people in a browser: their
 * failures are pages, not problems.
 */
const answersWithPages = (target: string) => /^\/(oauth|reconnect|connect)\//.test(target);

/** The string as UTF-8 carries it: lone surrogates become U+FFFD. */
function wellFormed(value: string): string {
  return Buffer.from(value, 'utf8').toString('utf8');
}

/** A path or query value: encoded, or raw (fetch leaves `%` and much else as it is). */
const urlPart = (values: fc.Arbitrary<string>) =>
  fc
    .tuple(values, fc.boolean())
    .map(([value, raw]) =>
      raw ? wellFormed(value).replace(/[#?/\s]/g, '') : encodeURIComponent(wellFormed(value)),
    );

function requestFor(route: DocumentedRoute, known: Known): fc.Arbitrary<FuzzRequest> {
  // `/api/v1/webhooks/{id}/…`: ids of webhooks, mostly.
  const collection = /^(?:\/api\/v1)?\/([^/]+)\//.exec(route.path)?.[1] ?? '';
  const param = urlPart(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...(known.idsIn[collection] ?? known.ids)) },
      { weight: 1, arbitrary: fc.constantFrom(...known.ids) },
      { weight: 3, arbitrary: smallHostileString },
      // Past Node's 16 KiB limit on the request line and headers.
      { weight: 1, arbitrary: fc.constantFrom(255, 20_000).map((length) => 'x'.repeat(length)) },
    ),
  );
  const path = fc
    .tuple(...route.pathParams.map(() => param))
    .map((values) =>
      route.pathParams.reduce(
        (template, name, index) => template.replace(`{${name}}`, values[index]!),
        route.path,
      ),
    );
  const queryPair = fc.oneof(
    ...route.queryParams.map((name) =>
      fc.tuple(
        fc.constant(name),
        urlPart(fc.oneof(fc.constantFrom(...(QUERY_VALUES[name] ?? [''])), smallHostileString)),
      ),
    ),
    fc.tuple(
      urlPart(fc.oneof(fc.constantFrom('__proto__', 'constructor', 'limit[]'), fc.string())),
      urlPart(smallHostileString),
    ),
  );
  const query = fc
    .array(queryPair, { maxLength: 4 })
    .map((pairs) => (pairs.length > 0 ? `?${pairs.map((pair) => pair.join('=')).join('&')}` : ''));
  const body =
    route.method === 'GET'
      ? fc.constant(undefined)
      : fc.option(
          fc.oneof(
            {
              weight: 6,
              arbitrary: bodyValue(route.body ?? {}, known).map((value) => JSON.stringify(value)),
            },
            { weight: 1, arbitrary: fc.constantFrom(...NASTY_BODIES) },
          ),
          { nil: undefined, freq: 8 },
        );
  const headers = fc
    .tuple(
      fc.oneof(
        { weight: 8, arbitrary: fc.constant('application/json') },
        { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
      ),
      fc.oneof(
        { weight: 8, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.constantFrom(...CONTENT_ENCODINGS) },
      ),
    )
    .map(([type, encoding]) => ({
      'content-type': type,
      ...(encoding !== null ? { 'content-encoding': encoding } : {}),
    }));
  const method = fc.oneof(
    { weight: 12, arbitrary: fc.constant(route.method) },
    { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS') },
  );
  const key = fc.oneof(
    {
      weight: 8,
      arbitrary: fc.constant<KeyName>(collection === 'workspaces' ? 'operator' : 'admin'),
    },
    { weight: 2, arbitrary: fc.constantFrom(...KEYS) },
  );
  return fc
    .record({ method, path, query, key, headers, body })
    .map(({ method, path, query, key, headers, body }) => ({
      method,
      target: `${path}${query}`,
      key,
      headers,
      ...(body !== undefined && method !== 'GET' ? { body } : {}),
    }));
}

/**
 * Requests that broke the property before the fix they name, kept as fixed examples for every run.
 */
const REGRESSIONS: FuzzRequest[] = [
  // A URL past Node's 16 KiB header limit got Node's bare `431` with no body; now a problem.
  {
    method: 'GET',
    target: `/api/v1/connections/${'x'.repeat(20_000)}`,
    key: 'admin',
    headers: { 'content-type': 'application/json' },
  },
];

/** A short description of a request for failure messages (huge strings cut). */
function describeRequest(request: FuzzRequest): string {
  const cut = (text: string) =>
    text.length > 300 ? `${text.slice(0, 300)}… (${text.length})` : text;
  return `${request.method} ${cut(request.target)} as ${request.key} ${JSON.stringify(request.headers)} ${cut(request.body ?? '')}`;
}

describe.each<Mode>(['embedded', 'distributed'])(
  'every route under hostile input in %s mode',
  (mode) => {
    let server: TestServer;
    let keys: Record<KeyName, string | null>;
    let known: Known;
    beforeAll(async () => {
      server = await startServer(mode, {
        env: { TETHER_SANDBOX: 'true', TETHER_SWEEP_INTERVAL_SECONDS: '0' },
      });
      const post = async <T>(path: string, body: unknown): Promise<T> => {
        const response = await server.request('POST', path, { json: body });
        expect(response.status, await response.clone().text()).toBe(201);
        return json<T>(response);
      };
      const member = await post<{ id: string }>('/api/v1/users', {
        email: 'member@example.com',
        name: 'Member',
        role: 'member',
      });
      const memberKey = await post<{ id: string; key: string }>('/api/v1/api-keys', {
        name: 'member',
        scope: 'admin',
        userId: member.id,
      });
      const tokensRead = await post<{ id: string; key: string }>('/api/v1/api-keys', {
        name: 'service',
        scope: 'tokens:read',
      });
      const doomed = await post<{ id: string }>('/api/v1/api-keys', {
        name: 'doomed',
        scope: 'tokens:read',
      });
      const webhook = await post<{ id: string }>('/api/v1/webhooks', {
        url: 'https://hooks.example.com/fuzz',
      });
      const connections = await Promise.all(
        ['member-1', 'member-2', 'member-3', 'member-4'].map(async (person, index) => {
          const { session, sessionId } = await connect(
            server,
            { provider: 'fixture', ...(index === 0 ? { ownerId: member.id } : {}) },
            { person },
          );
          return { sessionId, connectionIds: session.connectionIds };
        }),
      );
      keys = {
        admin: server.adminKey,
        member: memberKey.key,
        tokensRead: tokensRead.key,
        operator: server.operatorKey,
        none: null,
        garbage: `tth_${'A'.repeat(43)}`,
      };
      const idsIn = {
        providers: ['fixture'],
        oauth: ['fixture'],
        users: ['me', member.id],
        'api-keys': [doomed.id],
        webhooks: [webhook.id],
        'connect-sessions': connections.map(({ sessionId }) => sessionId),
        connections: connections.flatMap(({ connectionIds }) => connectionIds),
      };
      known = { ids: Object.values(idsIn).flat(), idsIn, url: server.url };
    });
    afterAll(async () => {
      await server?.close();
    });

    it('answers below 500, with problem+json for every 4xx, and stays up', async () => {
      const routes = [...(await openApiRoutes(server)), ...UNDOCUMENTED_ROUTES];
      expect(routes.length).toBeGreaterThan(30);
      const request = fc.constantFrom(...routes).chain((route) => requestFor(route, known));
      const property = fc.asyncProperty(request, async (fuzzed) => {
        const key = keys[fuzzed.key];
        const response = await fetch(`${server.url}${fuzzed.target}`, {
          method: fuzzed.method,
          headers: {
            ...fuzzed.headers,
            ...(key !== null ? { authorization: `Bearer ${key}` } : {}),
          },
          ...(fuzzed.body !== undefined ? { body: fuzzed.body } : {}),
        });
        const text = await response.text();
        const problem = () => `${response.status} ${response.headers.get('content-type')} ${text}`;
        if (response.status >= 500) throw new Error(problem());
        if (response.status >= 400 && !answersWithPages(fuzzed.target)) {
          const document = /^application\/problem\+json/.test(
            response.headers.get('content-type') ?? '',
          )
            ? (JSON.parse(text) as { status?: unknown; code?: unknown })
            : {};
          if (document.status !== response.status || !/^[A-Z_]+$/.test(String(document.code))) {
            throw new Error(`not a problem document: ${problem()}`);
          }
        }
      });
      // fast-check's own report would print megabyte-long counterexamples: say it shortly.
      const run = await fc.check(property, {
        numRuns: RUNS,
        examples: REGRESSIONS.map((example) => [example]),
      });
      if (run.failed) {
        const [counterexample] = run.counterexample ?? [];
        const cause =
          run.errorInstance instanceof Error ? run.errorInstance.message : run.errorInstance;
        expect.fail(
          `seed ${run.seed}, path ${run.counterexample ? run.counterexamplePath : '-'}: ${counterexample ? describeRequest(counterexample) : '?'} → ${String(cause).slice(0, 500)}`,
        );
      }
      // Still up, and nothing reached the prototypes the whole process shares.
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
      expect(Object.keys(Object.prototype)).toEqual([]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    }, 120_000);
  },
);
