import type { HeaderPair } from './header-list'

/**
 * The headers OpenAI sends with its rate limits, so SDKs and clients built for OpenAI back off
 * from oxy the same way: https://platform.openai.com/docs/guides/rate-limits#rate-limits-in-headers
 * Reset times are Go durations as OpenAI writes them ("12ms", "1s", "6m0s", "1h2m3.5s").
 */

export interface LimitReading {
  readonly limit: number
  /** What the counter holds now, this request included when it was admitted. */
  readonly used: number
  /** Milliseconds until the counter empties; 0 when it is empty already. */
  readonly resetMs: number
}

/** `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`. */
export function rateLimitHeaders(kind: 'requests' | 'tokens', reading: LimitReading): HeaderPair[] {
  return [
    [`x-ratelimit-limit-${kind}`, String(reading.limit)],
    [`x-ratelimit-remaining-${kind}`, String(Math.max(0, reading.limit - reading.used))],
    [`x-ratelimit-reset-${kind}`, formatResetDuration(reading.resetMs)],
  ]
}

/** Go's time.Duration.String() at millisecond resolution, the form OpenAI's headers use. */
export function formatResetDuration(ms: number): string {
  const whole = Math.max(0, Math.ceil(ms))
  if (whole === 0) return '0s'
  if (whole < 1000) return `${whole}ms`
  const hours = Math.floor(whole / 3_600_000)
  const minutes = Math.floor((whole % 3_600_000) / 60_000)
  const seconds = (whole % 60_000) / 1000
  const secondsText = `${Number(seconds.toFixed(3))}s`
  if (hours > 0) return `${hours}h${minutes}m${secondsText}`
  if (minutes > 0) return `${minutes}m${secondsText}`
  return secondsText
}

/** Retry-After takes whole seconds (RFC 9110 10.2.3); never 0, which SDKs read as "now". */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000))
}
