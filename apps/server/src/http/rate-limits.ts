import {
  type DynamicModule,
  type ExecutionContext,
  type INestApplication,
  Injectable,
} from '@nestjs/common';
import {
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  ThrottlerModule,
  type ThrottlerOptions,
  type ThrottlerRequest,
  ThrottlerStorage,
} from '@nestjs/throttler';
import type { NextFunction, Request, Response } from 'express';
import type { RateLimit, TetherConfig } from '../config/tether-config';
import { DomainError } from '../domain-error';
import { hashApiKey } from '../identity/api-key';
import { PUBLIC_ROUTE } from '../identity/principal';
import { RedisRateLimitStorage } from './rate-limit-storage';

/** The limit on routes that take an API key, counted per key. */
const API = 'api';
/** The limit on routes that take no key (OAuth callbacks, the sandbox), counted per address. */
const PUBLIC = 'public';

function clientAddress(request: Request): string {
  return `address:${request.ip ?? request.socket.remoteAddress ?? 'unknown'}`;
}

/** The caller's key, hashed so no secret is stored; its address when it sends none. */
function apiCaller(request: Request): string {
  const header = request.headers.authorization;
  const key = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
  return key === undefined ? clientAddress(request) : `key:${hashApiKey(key)}`;
}

function throttler(name: string, limit: RateLimit, caller: (request: Request) => string) {
  return {
    name,
    limit: limit.requests,
    ttl: limit.windowSeconds * 1000,
    getTracker: (request: Record<string, unknown>) => caller(request as unknown as Request),
  } satisfies ThrottlerOptions;
}

function rateLimited(detail: Pick<ThrottlerLimitDetail, 'limit' | 'ttl' | 'timeToBlockExpire'>) {
  const seconds = Math.max(1, detail.timeToBlockExpire);
  return new DomainError(
    'RATE_LIMITED',
    `More than ${detail.limit} requests in ${detail.ttl / 1000} s. Try again in ${seconds} s.`,
    { limit: detail.limit, windowSeconds: detail.ttl / 1000 },
    { retryAfterSeconds: seconds },
  );
}

/**
 * `@nestjs/throttler` with Tether's two limits (`TETHER_API_RATE_LIMIT`,
 * `TETHER_PUBLIC_RATE_LIMIT`), counted in Redis in distributed mode and in memory otherwise.
 */
export function rateLimitModule(config: TetherConfig): DynamicModule {
  return ThrottlerModule.forRoot({
    throttlers: [
      ...(config.apiRateLimit ? [throttler(API, config.apiRateLimit, apiCaller)] : []),
      ...(config.publicRateLimit ? [throttler(PUBLIC, config.publicRateLimit, clientAddress)] : []),
    ],
    // One count per caller across all routes, not one per route.
    generateKey: (_context, tracker, name) => `${name}:${tracker}`,
    setHeaders: false,
    ...(config.redisUrl
      ? { storage: new RedisRateLimitStorage(config.redisUrl, config.queuePrefix) }
      : {}),
  });
}

/**
 * Counts each request against one limit: routes behind an API key against the key's, public
 * routes against the address's. Over it, a 429 `RATE_LIMITED` problem with `Retry-After`.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    const isPublic =
      this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [
        request.context.getHandler(),
        request.context.getClass(),
      ]) ?? false;
    if ((request.throttler.name === PUBLIC) !== isPublic) return true;
    return super.handleRequest(request);
  }

  protected override throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw rateLimited(detail);
  }
}

/**
 * The sandbox's pages and control API are served outside Nest's routing: they count against
 * the public limit here, with the same storage, so they share one budget per address with the
 * OAuth callbacks.
 */
export function limitSandboxRequests(app: INestApplication, config: TetherConfig): void {
  const limit = config.publicRateLimit;
  if (!limit) return;
  const storage = app.get<ThrottlerStorage>(ThrottlerStorage);
  const ttl = limit.windowSeconds * 1000;
  app.use('/sandbox', (request: Request, _response: Response, next: NextFunction) => {
    storage.increment(`${PUBLIC}:${clientAddress(request)}`, ttl, limit.requests, ttl, PUBLIC).then(
      (record) =>
        next(
          record.isBlocked
            ? rateLimited({
                limit: limit.requests,
                ttl,
                timeToBlockExpire: record.timeToBlockExpire,
              })
            : undefined,
        ),
      next,
    );
  });
}
