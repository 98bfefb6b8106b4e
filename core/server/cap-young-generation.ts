import type http from 'node:http'
import type { Env } from '../policy'
import { ConfigError } from '../policy'

/**
 * Open client connections at which a server caps its young generation: past what short requests
 * need (64 connections of small requests lost ~15 % of their throughput to a 1 MB young
 * generation, whose scavenges promote the requests in flight), well before 1,000 streams grow it
 * to 16 MB a side. A function instance (SCF: up to 100 concurrent requests, FC: 200) stays under
 * it, and peaks near 72 MB at 200 streams even so (docs/benchmarks.md).
 */
export const BUSY_AT_CONNECTIONS = 256

/**
 * Stops V8 from growing its young generation (two 1 MB semi-spaces at start) for the rest of the
 * process. Under 1,000 SSE streams V8 otherwise grows them to 16 MB each: peak RSS ~100 MB
 * instead of ~73 MB, at the same CPU per chunk (docs/benchmarks.md).
 */
const CAP_FLAG = '--semi-space-growth-factor=1'

export type YoungGeneration = 'small' | 'v8'

/** OXY_YOUNG_GENERATION: `small` (the default) caps it once busy; `v8` leaves V8's own sizing. */
export function parseYoungGeneration(env: Env): YoungGeneration {
  const value = env.OXY_YOUNG_GENERATION?.trim().toLowerCase()
  if (value === undefined || value === '' || value === 'small') return 'small'
  if (value === 'v8') return 'v8'
  throw new ConfigError('OXY_YOUNG_GENERATION', env.OXY_YOUNG_GENERATION ?? '', 'expected "small" or "v8"')
}

/**
 * Applies the cap once the server has BUSY_AT_CONNECTIONS open connections, not at start-up:
 * `--max-semi-space-size=2` on the command line does the same from the start, but any V8 flag
 * that differs from the build's defaults makes Node compile its own modules from source instead
 * of its code cache, which cost ~60 % more start-up instructions and ~20 ms per cold start. Set
 * at run time, it only affects modules loaded afterwards, and a busy server has loaded them.
 * A function instance that serves one connection at a time (SCF) never needs it.
 */
export function capYoungGenerationWhenBusy(
  server: http.Server,
  apply: () => Promise<void> = setCapFlag,
  busyAt = BUSY_AT_CONNECTIONS,
): void {
  let open = 0
  const onConnection = (socket: { once(event: 'close', listener: () => void): unknown }) => {
    open++
    socket.once('close', () => {
      open--
    })
    if (open < busyAt) return
    server.off('connection', onConnection)
    apply().catch(() => {
      // A runtime without the flag keeps V8's sizing: more memory, still correct.
    })
  }
  server.on('connection', onConnection)
}

/** Sets the cap now: exported for the test that proves the flag stops the growth. */
export async function setCapFlag(): Promise<void> {
  const v8 = await import('node:v8')
  v8.setFlagsFromString(CAP_FLAG)
}
