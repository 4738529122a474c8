import type { LoggerService } from '@nestjs/common';

/** Every line the host logs, whatever the level. */
export class CapturedLog implements LoggerService {
  readonly lines: string[] = [];
  private keep(...parts: unknown[]): void {
    this.lines.push(
      parts
        .map((part) => (part instanceof Error ? `${part.message}\n${part.stack}` : String(part)))
        .join(' '),
    );
  }
  log = (...parts: unknown[]) => this.keep(...parts);
  error = (...parts: unknown[]) => this.keep(...parts);
  warn = (...parts: unknown[]) => this.keep(...parts);
  debug = (...parts: unknown[]) => this.keep(...parts);
  verbose = (...parts: unknown[]) => this.keep(...parts);
  fatal = (...parts: unknown[]) => this.keep(...parts);
}
