import { describe, expect, it } from 'vitest'
import {
  DEFAULT_RATE_LIMIT_REST_MS,
  judgeAttempt,
  KEY_REST_MS,
  needsErrorBody,
  retryAfterMs,
  TARGET_REST_MS,
} from './failover-answer'

const NOW = Date.parse('2026-12-01T00:00:00Z')
const answer = (status: number, body?: string, headers: [string, string][] = []) =>
  judgeAttempt({ kind: 'answer', status, headers, ...(body === undefined ? {} : { body }) }, NOW)
const openaiError = (code: string) => JSON.stringify({ error: { message: 'x', type: 'y', code } })

describe('judgeAttempt', () => {
  it('should send successes and client errors to the client as they are', () => {
    for (const status of [200, 201, 204, 304, 400, 404, 413, 422, 501]) {
      expect(answer(status).retry).toBe(false)
    }
  })

  it('should retry 5xx that another attempt may escape, blaming neither key nor target', () => {
    for (const status of [500, 502, 503, 504, 529]) {
      expect(answer(status)).toEqual({ retry: true, blameKey: false, blameTarget: false })
    }
  })

  it('should rest a 401 key and an insufficient_quota key for a while', () => {
    expect(answer(401, openaiError('invalid_api_key'))).toMatchObject({
      retry: true,
      blameKey: true,
      keyRestMs: KEY_REST_MS,
    })
    expect(answer(429, openaiError('insufficient_quota'), [['retry-after', '1']])).toMatchObject({
      retry: true,
      blameKey: true,
      keyRestMs: KEY_REST_MS,
    })
  })

  it('should rest a rate-limited key for the upstream Retry-After, or a short default', () => {
    expect(answer(429, openaiError('rate_limit_exceeded'), [['Retry-After', '20']]).keyRestMs).toBe(20_000)
    expect(answer(429, '', [['retry-after-ms', '1500']]).keyRestMs).toBe(1500)
    expect(answer(429, '').keyRestMs).toBe(DEFAULT_RATE_LIMIT_REST_MS)
    expect(answer(429, '', [['retry-after', '86400']]).keyRestMs).toBe(KEY_REST_MS)
  })

  it('should not retry a region refusal, which no other key can fix', () => {
    expect(answer(403, openaiError('unsupported_country_region_territory')).retry).toBe(false)
    expect(answer(403, openaiError('model_not_found'))).toEqual({
      retry: true,
      blameKey: true,
      blameTarget: false,
    })
  })

  it('should rest an unreachable target and move on after a reset without resting anything', () => {
    expect(judgeAttempt({ kind: 'unreachable' }, NOW)).toMatchObject({
      retry: true,
      blameTarget: true,
      targetRestMs: TARGET_REST_MS,
    })
    expect(judgeAttempt({ kind: 'reset' }, NOW)).toEqual({ retry: true, blameKey: false, blameTarget: false })
  })
})

describe('needsErrorBody', () => {
  it('should ask for the body only where its code changes the verdict', () => {
    expect([401, 403, 429].every(needsErrorBody)).toBe(true)
    expect([200, 500, 503].some(needsErrorBody)).toBe(false)
  })
})

describe('retryAfterMs', () => {
  it('should read seconds, milliseconds and HTTP dates, and ignore garbage', () => {
    expect(retryAfterMs([['retry-after', '3']], NOW)).toBe(3000)
    expect(retryAfterMs([['retry-after', 'Tue, 01 Dec 2026 00:00:07 GMT']], NOW)).toBe(7000)
    expect(retryAfterMs([['retry-after', 'soon']], NOW)).toBeUndefined()
    expect(retryAfterMs([], NOW)).toBeUndefined()
  })
})
