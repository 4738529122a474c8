/** Log levels, most severe first; `silent` writes nothing. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** `TETHER_LOG_LEVEL` (default `info`) and `TETHER_LOG_FORMAT` (default: decided by the terminal). */
export function parseLogSettings(
  problems: string[],
  env: NodeJS.ProcessEnv,
): { logLevel: LogLevel; logFormat?: LogFormat } {
  const level = env.TETHER_LOG_LEVEL?.trim().toLowerCase() || 'info';
  const format = env.TETHER_LOG_FORMAT?.trim().toLowerCase() || undefined;
  const logLevel = LOG_LEVELS.find((known) => known === level);
  const logFormat = LOG_FORMATS.find((known) => known === format);
  if (!logLevel) {
    problems.push(
      `TETHER_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${env.TETHER_LOG_LEVEL}").`,
    );
  }
  if (format !== undefined && !logFormat) {
    problems.push(
      `TETHER_LOG_FORMAT must be json or pretty (got "${env.TETHER_LOG_FORMAT}"); unset, it is pretty on a terminal and JSON otherwise.`,
    );
  }
  return { logLevel: logLevel ?? 'info', ...(logFormat ? { logFormat } : {}) };
}
