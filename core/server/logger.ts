import type { AccessLogEntry, LogFormat } from '../policy'
import { formatAccessLog } from '../policy'
import { batchLines } from './batch-lines'

export interface Logger {
  access(entry: AccessLogEntry): void
  event(level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void
}

/**
 * JSON lines on stdout, which every platform here collects (function log services, docker logs,
 * journald), written once per turn of the event loop (batch-lines.ts).
 */
export function createLogger(format: LogFormat, write?: (line: string) => void): Logger {
  if (format === 'off') return { access() {}, event() {} }
  const out = write ?? batchLines(writeStdout)
  return {
    access: (entry) => out(formatAccessLog(entry)),
    event: (level, msg, fields = {}) =>
      out(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })),
  }
}

function writeStdout(text: string): void {
  process.stdout.write(text)
}
