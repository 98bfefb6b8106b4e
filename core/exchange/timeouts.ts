import { OxyError } from '../policy'

export type Timer = ReturnType<typeof setTimeout>

/** A timer only when the limit is set: 0 means none (OXY_FIRST_BYTE_TIMEOUT_MS=0, OXY_IDLE_TIMEOUT_MS=0). */
export function startTimer(ms: number, onTimeout: () => void): Timer | undefined {
  return ms > 0 ? setTimeout(onTimeout, ms) : undefined
}

/** What the first-byte deadline covers: the response head, or the whole answer of a call. */
export type Deadline = 'head' | 'answer'

export function firstByteTimeout(ms: number): OxyError {
  return new OxyError(
    'upstream_timeout',
    `The upstream sent no response within ${ms} ms (OXY_FIRST_BYTE_TIMEOUT_MS).`,
  )
}

export function idleTimeout(ms: number): OxyError {
  return new OxyError('upstream_idle_timeout', `The upstream stalled for ${ms} ms (OXY_IDLE_TIMEOUT_MS).`)
}
