import type { SchedulerRegistry } from '@nestjs/schedule';

/**
 * Registers `run` with @nestjs/schedule as the interval `name`, every `seconds` from the
 * settings (`TETHER_SWEEP_INTERVAL_SECONDS`; 0 registers nothing). A dynamic interval, because
 * `@Interval()` takes its period when the class is declared, before settings are read; the
 * schedule module clears it on shutdown. The timer does not keep the process alive.
 */
export function scheduleFromSettings(
  registry: SchedulerRegistry,
  name: string,
  seconds: number,
  run: () => unknown,
): void {
  if (seconds <= 0) return;
  const timer = setInterval(() => void run(), seconds * 1000);
  timer.unref();
  registry.addInterval(name, timer);
}
