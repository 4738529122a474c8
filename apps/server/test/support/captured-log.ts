/** One line of the host's JSON log. */
export type LogEntry = Record<string, unknown> & { level: string; msg?: string };

/**
 * Every line the host logs, exactly as written (JSON), whatever the level. A destination for the
 * host's logger: servers started with {@link startServer} write here.
 */
class CapturedLog {
  readonly lines: string[] = [];

  write(chunk: string): void {
    this.lines.push(...chunk.split('\n').filter((line) => line !== ''));
  }

  /** The whole log as one text, for searching it. */
  text(): string {
    return this.lines.join('\n');
  }

  /** The lines as objects, from line `from` on (a `lines.length` taken earlier). */
  entries(from = 0): LogEntry[] {
    return this.lines.slice(from).map((line) => JSON.parse(line) as LogEntry);
  }
}

/**
 * The log of every server a test file starts. One per file, not per server: Nest's `Logger` and
 * nestjs-pino's logger outside requests are one per process.
 */
export const capturedLog = new CapturedLog();
