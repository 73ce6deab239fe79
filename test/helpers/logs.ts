// A real logger (src/logger.ts, its masking included) whose JSON lines a test reads back.
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/logger.ts';

export type LogLine = Record<string, unknown> & { msg?: string; trace_id?: string; span_id?: string };

export function capturedLogger(level: string): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = createLogger(
    level,
    new Writable({
      write(chunk, _enc, cb) {
        lines.push(JSON.parse(String(chunk)));
        cb();
      },
    }),
  );
  return { logger, lines };
}
