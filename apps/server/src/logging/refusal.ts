import { pino } from 'pino';
import { ConfigurationError } from '../config/tether-config';
import { DomainError } from '../domain-error';
import { parseLogSettings } from './log-settings';
import { createLogger } from './logger';
import { loggableMessage, loggableStack } from './loggable-error';

/**
 * Logs why the server would not start or a command failed, through the host's logger: JSON
 * unless TETHER_LOG_FORMAT or a terminal asks for text. One line, at `fatal`, that names the
 * setting and the fix; no stack trace (an unexpected error's stack goes to `debug`). Read from
 * the environment alone, since the settings may be what is wrong; `fd` is 1 for the server's
 * log, 2 for a command's.
 */
export function logRefusal(
  error: unknown,
  options: { env: NodeJS.ProcessEnv; fd: 1 | 2; lead: string; event: string },
): void {
  const settings = parseLogSettings([], options.env);
  const terminal = (options.fd === 1 ? process.stdout : process.stderr).isTTY;
  const logger = createLogger(
    { ...settings, logFormat: settings.logFormat ?? (terminal ? 'pretty' : 'json') },
    pino.destination({ dest: options.fd, sync: true }),
  );
  if (error instanceof ConfigurationError) {
    logger.fatal(
      { event: options.event, code: error.code },
      `${options.lead}: ${error.problems.join(' ')}`,
    );
    return;
  }
  if (error instanceof DomainError) {
    logger.fatal({ event: options.event, code: error.code }, `${options.lead}: ${error.message}`);
    return;
  }
  logger.debug({ event: options.event, stack: loggableStack(error) }, 'Stack of the failure');
  logger.fatal({ event: options.event }, `${options.lead}: ${loggableMessage(error)}`);
}
