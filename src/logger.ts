// Structured JSON logs (pino). Request and job ids travel as child-logger bindings. Personal data never
// reaches a log line: values under sensitive keys are masked, and phone numbers and e-mail addresses are
// masked wherever they appear in a string (decision D33).
import pino, { type Logger } from 'pino';

export type { Logger };

const SENSITIVE_KEY =
  /^(customer_phone(_number)?|phone|email|address|customer_name|name|transcript(_text)?|text|raw_text|content|summary|objection_text|raw_body|audio_url|recording(_url)?|callrail_signing_key|authorization|signature)$/i;
// a span id of 16 decimal digits would read as a phone number: trace ids are hex, never personal data
const TRACE_KEY = /^(trace_id|span_id)$/;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// +1 217 555 0123, (217) 555-0123, 217.555.0123, +12175550123 …: 10 to 15 digits with separators
const PHONE = /(?<![\w-])\+?\d[\d\s().-]{8,18}\d(?![\w-])/g;

export function maskString(s: string): string {
  return s
    .replace(EMAIL, '[email]')
    .replace(PHONE, (m) => (m.replace(/\D/g, '').length >= 10 ? '[phone]' : m));
}

export function maskPii(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[depth]';
  if (typeof value === 'string') return maskString(value);
  if (Array.isArray(value)) return value.map((v) => maskPii(v, depth + 1));
  if (value instanceof Error)
    return {
      type: value.name,
      message: maskString(value.message),
      stack: value.stack ? maskString(value.stack) : undefined,
    };
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      out[k] = TRACE_KEY.test(k)
        ? v
        : SENSITIVE_KEY.test(k) && v !== null && v !== undefined
          ? '[redacted]'
          : maskPii(v, depth + 1);
    return out;
  }
  return value;
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'otto' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // no mixin for trace_id and span_id: there is no active span to read (no context manager, D360); the
      // loggers of traced work are children carrying them (tracing.ts withTrace, the request's log)
      formatters: {
        level: (label) => ({ level: label }),
        log: (obj) => maskPii(obj) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          const [first, ...rest] = args as unknown[];
          const masked =
            typeof first === 'string'
              ? [maskString(first), ...rest]
              : [first, ...rest.map((r) => (typeof r === 'string' ? maskString(r) : r))];
          return method.apply(this, masked as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}
