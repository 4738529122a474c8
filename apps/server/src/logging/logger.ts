import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable } from '@nestjs/common';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import { type DestinationStream, type Logger, pino } from 'pino';
import { type HttpLogger, pinoHttp } from 'pino-http';
import PinoPretty from 'pino-pretty';
import type { TetherConfig } from '../config/tether-config';

/**
 * Field names whose values are secrets wherever they sit in a logged object, one or two levels
 * down. Nothing should log them in the first place; this is the net under that rule.
 */
const SECRET_FIELDS = [
  'authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'password',
  'secret',
  'clientSecret',
  'client_secret',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'tokenSecret',
  'idToken',
  'id_token',
  'apiKey',
  'adminKey',
  'operatorKey',
  'encryptionKey',
  'encryptionKeys',
  'smtpUrl',
];

const SECRET_FIELD_NAMES = new Set(SECRET_FIELDS);

/** How deep under a line's top level secret-named fields are looked for. */
const CENSORED_DEPTH = 3;

/**
 * `value` with every secret-named field within `depth` levels of objects replaced by
 * `[redacted]` (an array is no level of its own): a copy of what changes, the same object when
 * nothing does. Only plain objects and arrays are entered. pino's own `redact` with wildcard
 * paths did this too, but ran on every value of every line: a tenth of a token read's CPU.
 */
function censored(value: unknown, depth: number): unknown {
  if (depth === 0 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const items = value.map((item) => censored(item, depth));
    return items.some((item, index) => item !== value[index]) ? items : value;
  }
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, field] of Object.entries(value)) {
    const next = SECRET_FIELD_NAMES.has(key) ? '[redacted]' : censored(field, depth - 1);
    if (next !== field) (copy ??= { ...(value as Record<string, unknown>) })[key] = next;
  }
  return copy ?? value;
}

/**
 * What every line goes through: its fields censored, and bound fields (`logger.child(…)`), which
 * pino formats apart, by the same names at their top level.
 */
const secretsCensored = {
  formatters: {
    log: (object: Record<string, unknown>) =>
      censored(object, CENSORED_DEPTH) as Record<string, unknown>,
  },
  serializers: Object.fromEntries(SECRET_FIELDS.map((field) => [field, () => '[redacted]'])),
};

/** An incoming `x-request-id` is kept only if it is a plain token: no spaces, quotes or markup. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Probes that would otherwise fill the log with a line every few seconds. */
const QUIET_PATHS = new Set(['/health', '/metrics']);

/** The path of a request without its query string, which can carry OAuth codes and tokens. */
function pathOf(request: IncomingMessage): string {
  const url = (request as { originalUrl?: string }).originalUrl ?? request.url ?? '';
  return url.split('?')[0]!;
}

/**
 * The request's id: the caller's `x-request-id` when it is a sane token, else a new UUID. It is
 * sent back as `x-request-id`, bound to every log line of the request and put in problem responses.
 */
function requestId(request: IncomingMessage, response: ServerResponse): string {
  const incoming = request.headers['x-request-id'];
  const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  response.setHeader('x-request-id', id);
  return id;
}

/**
 * The host's logger: JSON lines (level, time, `context`, fields) unless the configuration asks for
 * pretty text, which is also the default on a terminal. Secret-named fields are redacted.
 * `destination` replaces stdout (tests read the log there).
 */
export function createLogger(
  config: Pick<TetherConfig, 'logLevel' | 'logFormat'>,
  destination?: DestinationStream,
): Logger {
  const format =
    config.logFormat ?? (destination === undefined && process.stdout.isTTY ? 'pretty' : 'json');
  if (format === 'pretty') {
    return pino(
      { level: config.logLevel, ...secretsCensored },
      PinoPretty({
        destination: destination ?? 1,
        sync: true,
        singleLine: true,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname,context',
        messageFormat: '{if context}[{context}] {end}{msg}',
      }),
    );
  }
  return pino(
    {
      level: config.logLevel,
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: secretsCensored.serializers,
      formatters: { ...secretsCensored.formatters, level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/**
 * Assigns each request its id and logs one line when it completes: method, path (never the
 * query), status and duration. Mounted before anything else, so every request has its id,
 * including those refused before routing.
 */
export function httpLogger(logger: Logger): HttpLogger {
  const summary = (request: IncomingMessage, response: ServerResponse) =>
    `${request.method} ${pathOf(request)} ${response.statusCode}`;
  return pinoHttp({
    logger,
    genReqId: requestId,
    quietReqLogger: true,
    customAttributeKeys: { reqId: 'requestId' },
    serializers: {
      req: (request: { method: string; url: string }) => ({
        method: request.method,
        path: request.url.split('?')[0],
      }),
      res: (response: { statusCode: number }) => ({ status: response.statusCode }),
    },
    autoLogging: { ignore: (request) => QUIET_PATHS.has(pathOf(request)) },
    customLogLevel: (_request, response, error) =>
      error || response.statusCode >= 500 ? 'error' : 'info',
    customSuccessMessage: summary,
    customErrorMessage: summary,
    // A 5xx was logged with its cause where it happened; this line needs no made-up stack.
    customErrorObject: (_request, _response, _error, value: Record<string, unknown>) => ({
      res: value.res,
      responseTime: value.responseTime,
    }),
  });
}

/** Nest's own start-up chatter: modules loaded, routes mapped. */
const FRAMEWORK_CONTEXTS = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestFactory',
  'NestApplication',
]);

/**
 * Nest's `Logger` calls, written through pino (bound to the request they run in), with Nest's
 * own start-up lines at debug rather than info.
 */
@Injectable()
export class NestLogger extends PinoNestLogger {
  override log(message: unknown, ...params: unknown[]): void {
    const context = params.at(-1);
    if (typeof context === 'string' && FRAMEWORK_CONTEXTS.has(context)) {
      super.debug(message, ...params);
    } else {
      super.log(message, ...params);
    }
  }
}
