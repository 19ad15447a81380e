import { pino, type Logger } from 'pino';

/**
 * The process logger: JSON lines on stderr, so command output on stdout stays clean for pipes.
 * Anything named like a credential is redacted wherever it appears.
 */
export function createLogger(level: string, name = 'roost'): Logger {
  return pino(
    {
      name,
      level,
      redact: {
        paths: [
          'token',
          '*.token',
          'authorization',
          '*.authorization',
          'headers.authorization',
          'req.headers.authorization',
        ],
        censor: '[redacted]',
      },
    },
    pino.destination({ dest: 2, sync: false }),
  );
}
