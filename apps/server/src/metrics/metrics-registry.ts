import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The one Prometheus registry `GET /metrics` serves: Node's process metrics (CPU, memory, event
 * loop lag, handles, GC) and every metric the host's parts register on it.
 */
@Injectable()
export class MetricsRegistry extends Registry {
  constructor() {
    super();
    collectDefaultMetrics({ register: this });
  }
}
