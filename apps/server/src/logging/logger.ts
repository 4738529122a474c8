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

const REDACTED_PATHS = SECRET_FIELDS.flatMap((field) => {
  const key = `["${field}"]`;
  return [key, `*${key}`, `*.*${key}`];
});

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
  const redact = { paths: REDACTED_PATHS, censor: '[redacted]' };
  if (format === 'pretty') {
    return pino(
      { level: config.logLevel, redact },
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
      redact,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
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
