import fs from 'node:fs';
import path from 'node:path';
import type { LogEntry } from '../../../shared/contract';
import type { EventBus } from '../events/event-bus';
import { redactSecrets } from './redact';

export type LogLevel = LogEntry['level'];

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  child(scope: string): Logger;
}

/** Appends redacted lines to `<dataDir>/logs/model-center.log` and publishes them as `log` events. */
export function createLogger(logDir: string, bus: EventBus, scope = 'core'): Logger {
  let ready = false;
  const file = path.join(logDir, 'model-center.log');
  const write = (level: LogLevel, s: string, message: string): void => {
    const entry: LogEntry = { time: new Date().toISOString(), level, scope: s, message: redactSecrets(message) };
    try {
      if (!ready) {
        fs.mkdirSync(logDir, { recursive: true });
        ready = true;
      }
      // Synchronous appends: log lines are few, and a crash right after one must not lose it.
      fs.appendFileSync(file, `${entry.time} ${level.toUpperCase()} [${s}] ${entry.message}\n`, { mode: 0o600 });
    } catch {
      // A log that cannot be written must not take the app down; the event still goes out.
    }
    if (level !== 'debug') bus.emit('log', entry);
  };
  const make = (s: string): Logger => ({
    debug: (m) => write('debug', s, m),
    info: (m) => write('info', s, m),
    warn: (m) => write('warn', s, m),
    error: (m) => write('error', s, m),
    child: (sub) => make(`${s}:${sub}`),
  });
  return make(scope);
}
