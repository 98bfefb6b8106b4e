import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatAccessLog, isoAt } from './access-log'

const base = {
  method: 'POST',
  path: '/v1/chat/completions',
  status: 200,
  upstreamMs: 12.34,
  totalMs: 56.78,
  bytesIn: 10,
  bytesOut: 20,
}
const NOW = new Date('2026-12-01T12:00:00Z')

describe('formatAccessLog', () => {
  it('should add key name, model and token counts when known, in the names oxy usage reads', () => {
    const line = JSON.parse(
      formatAccessLog(
        { ...base, key: 'alice', model: 'gpt-4o-mini', promptTokens: 12, completionTokens: 34 },
        NOW,
      ),
    )
    expect(line).toMatchObject({
      time: '2026-12-01T12:00:00.000Z',
      msg: 'request',
      key: 'alice',
      model: 'gpt-4o-mini',
      prompt_tokens: 12,
      completion_tokens: 34,
    })
  })

  it('should leave the fields out when unknown', () => {
    const line = JSON.parse(formatAccessLog(base, NOW))
    expect(Object.keys(line)).not.toContain('key')
    expect(Object.keys(line)).not.toContain('prompt_tokens')
  })

  it('should stay one line of JSON whatever the client put in the path and the model', () => {
    const path = '/v1/"quoted"\\back\nline\u0000\u2028ünï'
    const model = 'gpt-"4o"\r\n{"status":500}'
    const text = formatAccessLog({ ...base, path, model }, NOW)
    expect(text).not.toMatch(/[\n\r]/)
    expect(JSON.parse(text)).toMatchObject({ path, model, status: 200 })
  })

  it('should write a failed exchange as a warning with its error code and no upstream time', () => {
    const line = JSON.parse(
      formatAccessLog({ ...base, status: 502, upstreamMs: undefined, error: 'upstream_unreachable' }, NOW),
    )
    expect(line).toMatchObject({ level: 'warn', error: 'upstream_unreachable', upstream_ms: null })
  })

  it('should write a number that is not finite as null, so the line stays JSON', () => {
    const line = JSON.parse(formatAccessLog({ ...base, totalMs: Number.NaN, bytesOut: Infinity }, NOW))
    expect(line).toMatchObject({ ms: null, bytes_out: null, bytes_in: 10 })
  })

  it('should stamp the time of writing when no time is given', () => {
    const before = Date.now()
    const stamped = Date.parse(JSON.parse(formatAccessLog(base)).time)
    expect(stamped).toBeGreaterThanOrEqual(before)
    expect(stamped).toBeLessThanOrEqual(Date.now())
  })

  it('should stamp each millisecond as toISOString writes it, within a second and across seconds', () => {
    // From 1970 to past 2100, and runs of milliseconds that share a second and cross into the next.
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_200_000_000_000 }),
        fc.integer({ min: 0, max: 1500 }),
        (start, span) => {
          for (const ms of [start, start + 1, start + span, start + 1000, start]) {
            expect(isoAt(ms)).toBe(new Date(ms).toISOString())
          }
        },
      ),
    )
  })

  it('should write times to one decimal exactly as JSON would write the rounded number', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e12, noNaN: true }), (ms) => {
        const line = formatAccessLog({ ...base, upstreamMs: ms, totalMs: ms }, NOW)
        const rounded = Math.round(ms * 10) / 10
        expect(line).toContain(`"upstream_ms":${JSON.stringify(rounded)},"ms":${JSON.stringify(rounded)},`)
      }),
    )
  })

  it('should write back every path and model a client sends, however many different ones', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ maxLength: 300 }), fc.string()), { minLength: 100, maxLength: 200 }),
        (pairs) => {
          for (const [path, model] of [...pairs, ...pairs]) {
            expect(JSON.parse(formatAccessLog({ ...base, path, model }, NOW))).toMatchObject({ path, model })
          }
        },
      ),
      { numRuns: 20 },
    )
  })
})
