import type { AccessLogEntry, LogFormat } from '../policy'
import { formatAccessLog } from '../policy'

export interface Logger {
  access(entry: AccessLogEntry): void
  event(level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void
}

/** JSON lines on stdout, which every platform here collects (function log services, docker logs, journald). */
export function createLogger(format: LogFormat, write: (line: string) => void = writeStdout): Logger {
  if (format === 'off') return { access() {}, event() {} }
  return {
    access: (entry) => write(formatAccessLog(entry)),
    event: (level, msg, fields = {}) =>
      write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })),
  }
}

function writeStdout(line: string): void {
  process.stdout.write(`${line}\n`)
}
