// Daemon logs on stderr, journald-friendly: "<N>component: message" where <N> is the syslog
// priority journald reads from the line start; or one JSON object per line with --log-format json.
// Every message passes the `scrub` function first so secrets never reach the journal.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const priority: Record<LogLevel, number> = { error: 3, warn: 4, info: 6, debug: 7 };
const order: LogLevel[] = ['debug', 'info', 'warn', 'error'];

export interface Logger {
  debug(component: string, message: string, fields?: Record<string, unknown>): void;
  info(component: string, message: string, fields?: Record<string, unknown>): void;
  warn(component: string, message: string, fields?: Record<string, unknown>): void;
  error(component: string, message: string, fields?: Record<string, unknown>): void;
}

export interface LoggerOptions {
  format: 'journal' | 'json';
  level: LogLevel;
  write?: (line: string) => void;
  scrub?: (text: string) => string;
}

export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const scrub = options.scrub ?? ((t: string) => t);
  const min = order.indexOf(options.level);
  const log = (level: LogLevel) => (component: string, message: string, fields?: Record<string, unknown>) => {
    if (order.indexOf(level) < min) return;
    if (options.format === 'json') {
      const obj = { time: new Date().toISOString(), level, component, msg: message, ...fields };
      write(`${scrub(JSON.stringify(obj))}\n`);
      return;
    }
    const extra = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
    const text = `${message}${extra}`.replace(/\n/g, '\\n');
    write(`<${priority[level]}>${component}: ${scrub(text)}\n`);
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
