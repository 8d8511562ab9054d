import pino from 'pino';

export type Logger = pino.Logger;

/**
 * The process logger: JSON lines on stderr (fd 2), never stdout, so the CLI's
 * output and the MCP stdio protocol stay clean. `level` is config.logLevel.
 */
export function createLogger(level: string, name = 'docgraph'): Logger {
  return pino({ name, level }, pino.destination({ fd: 2, sync: true }));
}
