import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Counter, Histogram } from 'prom-client';
import { MetricsRegistry } from '../metrics/metrics-registry';

type Labels = 'method' | 'route' | 'status';

/**
 * The route a request matched, as its template (`/api/v1/connections/:id`), so ids do not
 * make a series each; `/sandbox` for the simulated networks, `unmatched` for requests no
 * route took (unknown paths, bodies refused before routing).
 */
function routeOf(request: Request): string {
  const route = (request.route as { path?: unknown } | undefined)?.path;
  if (typeof route === 'string') return `${request.baseUrl}${route}`;
  return request.originalUrl.startsWith('/sandbox/') ? '/sandbox' : 'unmatched';
}

/** Prometheus metrics of HTTP requests: how many, and how long they took, by route and status. */
@Injectable()
export class HttpMetrics {
  private readonly requests: Counter<Labels>;
  private readonly seconds: Histogram<Labels>;

  constructor(registry: MetricsRegistry) {
    this.requests = new Counter({
      name: 'tether_http_requests_total',
      help: 'HTTP requests answered, by method, route template and status.',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    });
    this.seconds = new Histogram({
      name: 'tether_http_request_duration_seconds',
      help: 'Time from a request’s arrival to its response, by method, route template and status.',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  }

  /** Express middleware: counts and times each request once its response is sent. */
  readonly middleware = (request: Request, response: Response, next: NextFunction): void => {
    const started = performance.now();
    response.once('finish', () => {
      const labels = {
        method: request.method,
        route: routeOf(request),
        status: String(response.statusCode),
      };
      this.requests.inc(labels);
      this.seconds.observe(labels, (performance.now() - started) / 1000);
    });
    next();
  };
}
