/** When each piece of a response body arrived, in ms since the request was sent. */
export interface StreamTiming {
  readonly arrivals: readonly number[]
}

/**
 * A stream whose pieces all arrive within this window came in one lump: some layer collected the
 * body before passing it on. A model writing ~40 tokens takes far longer than this.
 */
export const LUMP_WINDOW_MS = 50

export interface StreamVerdict {
  readonly streams: boolean
  readonly firstByteMs: number
  readonly spreadMs: number
  readonly pieces: number
}

/** Streaming, or buffered by a platform in between: told apart by how the pieces spread in time. */
export function judgeStream(timing: StreamTiming): StreamVerdict {
  const first = timing.arrivals[0] ?? 0
  const last = timing.arrivals.at(-1) ?? first
  const spreadMs = last - first
  return {
    streams: timing.arrivals.length >= 2 && spreadMs >= LUMP_WINDOW_MS,
    firstByteMs: first,
    spreadMs,
    pieces: timing.arrivals.length,
  }
}
