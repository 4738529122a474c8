import { MikroORM } from '@mikro-orm/core';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '../clock/clock';
import { loggableMessage } from '../logging/loggable-error';

/** How often an unreachable database is tried until it answers again. */
const PROBE_INTERVAL_MS = 2_000;

/**
 * Logs the database going away and coming back, once each, however many requests and sweeps
 * fail in between. Whoever meets an unreachable database reports it; from then on the database
 * is probed until it answers.
 */
@Injectable()
export class DatabaseWatch implements OnApplicationShutdown {
  private readonly logger = new Logger('Dependencies');
  private downSince: Date | undefined;
  private probe: NodeJS.Timeout | undefined;

  constructor(
    private readonly orm: MikroORM,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** The database could not be reached; the first report of an outage logs it. */
  unreachable(error: unknown): void {
    if (this.downSince) return;
    this.downSince = this.clock.now();
    this.logger.error({
      event: 'dependency.down',
      dependency: 'database',
      error: loggableMessage(error),
      msg: `Database unreachable: ${loggableMessage(error)}. Requests get 503 until it is back.`,
    });
    this.probe = setInterval(() => void this.check(), PROBE_INTERVAL_MS);
    this.probe.unref();
  }

  private async check(): Promise<void> {
    const { ok } = await this.orm.checkConnection();
    if (!ok || !this.downSince) return;
    const downForSeconds = Math.round(
      (this.clock.now().getTime() - this.downSince.getTime()) / 1000,
    );
    this.stop();
    this.logger.log({
      event: 'dependency.up',
      dependency: 'database',
      downForSeconds,
      msg: `Database reachable again after ${downForSeconds} s`,
    });
  }

  private stop(): void {
    clearInterval(this.probe);
    this.probe = undefined;
    this.downSince = undefined;
  }

  onApplicationShutdown(): void {
    this.stop();
  }
}
