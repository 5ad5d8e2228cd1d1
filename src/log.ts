/**
 * Structured JSON logs, one object per line. Values under secret-looking keys and
 * anything shaped like a bearer token or JWT are redacted before they are written,
 * so a careless call site cannot leak a credential.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /secret|password|token|authorization|assertion|cookie|signature|credential|connection_?string|instrumentation_?key|account_?key/i;
const SECRET_VALUE = /(Bearer\s+)[\w\-.~+/]+=*|eyJ[\w-]+\.[\w-]+\.[\w-]*/g;
/** The key parts of Application Insights and Storage connection strings, wherever they are quoted. */
const CONNECTION_STRING_KEY = /((?:InstrumentationKey|AccountKey|SharedAccessSignature)\s*=\s*)[^;\s"']+/gi;

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    return value.replace(SECRET_VALUE, (_m, bearer?: string) => `${bearer ?? ''}[redacted]`).replace(CONNECTION_STRING_KEY, '$1[redacted]');
  }
  if (value instanceof Error) return { name: value.name, message: redact(value.message) };
  if (Array.isArray(value)) return depth > 6 ? '[…]' : value.map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    if (depth > 6) return '[…]';
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      out[key] = SECRET_KEY.test(key) && v !== undefined && v !== null && typeof v !== 'boolean' ? '[redacted]' : redact(v, depth + 1);
    }
    return out;
  }
  return value;
}

export interface LoggerOptions {
  level?: LogLevel;
  write?: (line: string) => void;
  base?: LogFields;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = LEVELS[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const make = (base: LogFields): Logger => {
    const emit = (level: LogLevel) => (event: string, fields: LogFields = {}) => {
      if (LEVELS[level] < threshold) return;
      const entry = redact({ time: new Date().toISOString(), level, event, ...base, ...fields });
      write(JSON.stringify(entry));
    };
    return {
      debug: emit('debug'),
      info: emit('info'),
      warn: emit('warn'),
      error: emit('error'),
      child: (fields) => make({ ...base, ...fields }),
    };
  };
  return make(options.base ?? {});
}

/** A logger that keeps entries in memory; tests read them. */
export function memoryLogger(): Logger & { entries: LogFields[] } {
  const entries: LogFields[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => entries.push(JSON.parse(line)) });
  return Object.assign(logger, { entries });
}
