import { describe, expect, it } from 'vitest'
import type { TakeResult } from './limit-plan'
import {
  budgetPeriod,
  judgeAdmission,
  planAdmission,
  planTokenAdds,
  storeUnavailable,
  toLimitReply,
} from './limit-plan'
import type { LimitsConfig } from './limits-config'
import { parseLimitsConfig } from './limits-config'

const NOW = Date.parse('2026-12-01T22:30:00Z')

function limits(rules: object, env: Record<string, string> = {}): LimitsConfig {
  return parseLimitsConfig({ OXY_KEY_RULES: JSON.stringify(rules), ...env })!
}

describe('planAdmission', () => {
  it('should count a request against rpm and check tpm and the day budget without raising them', () => {
    const plan = planAdmission(limits({ alice: { rpm: 50, tpm: 1000, tokens_per_day: 5000 } }), 'alice', NOW)!
    expect(plan.counters).toEqual([
      { key: 'oxy:limits:{alice}:rpm', limit: 50, windowMs: 60_000, cost: 1 },
      { key: 'oxy:limits:{alice}:tpm', limit: 1000, windowMs: 60_000, cost: 0 },
      { key: 'oxy:limits:{alice}:tpd:2026-12-01T00', limit: 5000, windowMs: 90 * 60_000, cost: 0 },
    ])
  })

  it("should move a key's budget to a new counter when its day starts again", () => {
    const config = limits({ alice: { rpm: 50, tokens_per_day: 5000 } })
    const day = (ms: number) => planAdmission(config, 'alice', ms)!.counters.map((counter) => counter.key)
    expect(day(NOW)).toEqual(['oxy:limits:{alice}:rpm', 'oxy:limits:{alice}:tpd:2026-12-01T00'])
    expect(day(NOW + 86_400_000)).toEqual(['oxy:limits:{alice}:rpm', 'oxy:limits:{alice}:tpd:2026-12-02T00'])
    expect(planTokenAdds(config, 'alice', NOW, 7)[0]?.key).toBe('oxy:limits:{alice}:tpd:2026-12-01T00')
    expect(day(NOW)[0]).toBe(day(NOW + 86_400_000)[0])
  })

  it('should give each key its own counters, also under the "*" entry', () => {
    const config = limits({ '*': { rpm: 5 } })
    expect(planAdmission(config, 'a b', NOW)?.counters[0]?.key).toBe('oxy:limits:{a%20b}:rpm')
    expect(planAdmission(config, 'carol', NOW)?.counters[0]?.key).toBe('oxy:limits:{carol}:rpm')
  })

  it('should hold the "*" limits for the whole proxy when there are no access keys', () => {
    const plan = planAdmission(limits({ '*': { rpm: 5 } }), undefined, NOW)!
    expect(plan.counters[0]?.key).toBe('oxy:limits:{*}:rpm')
    const refusal = judgeAdmission(plan, { admitted: false, counters: [{ value: 5, resetMs: 1000 }] })
    expect(refusal.kind === 'refuse' && refusal.error.message).toContain('Rate limit reached for this proxy')
  })

  it('should make a limit of 0 refuse every request, suspending the key', () => {
    const plan = planAdmission(limits({ alice: { rpm: 0 } }), 'alice', NOW)!
    expect(plan.counters).toEqual([{ key: 'oxy:limits:{alice}:rpm', limit: 0, windowMs: 60_000, cost: 1 }])
  })

  it('should plan nothing for a key without limits', () => {
    expect(planAdmission(limits({ alice: { rpm: 5 } }), 'bob', NOW)).toBeUndefined()
  })
})

describe('budgetPeriod', () => {
  it('should run from the reset hour to the next, in UTC', () => {
    expect(budgetPeriod(0, NOW)).toEqual({
      startsAt: Date.parse('2026-12-01T00:00:00Z'),
      endsAt: Date.parse('2026-12-02T00:00:00Z'),
    })
    // 16:00 UTC is midnight in Beijing.
    expect(budgetPeriod(16, NOW).startsAt).toBe(Date.parse('2026-12-01T16:00:00Z'))
    expect(budgetPeriod(23, NOW).startsAt).toBe(Date.parse('2026-11-30T23:00:00Z'))
  })
})

describe('planTokenAdds', () => {
  it('should add the tokens to the minute window and to the budget of the day the request ended', () => {
    const config = limits(
      { alice: { rpm: 5, tpm: 1000, tokens_per_day: 5000 } },
      { OXY_BUDGET_RESET_UTC_HOUR: '16' },
    )
    expect(planTokenAdds(config, 'alice', NOW, 120)).toEqual([
      { key: 'oxy:limits:{alice}:tpm', amount: 120, windowMs: 60_000 },
      { key: 'oxy:limits:{alice}:tpd:2026-12-01T16', amount: 120, windowMs: (17 * 60 + 30) * 60_000 },
    ])
    expect(planTokenAdds(config, 'alice', NOW, 0)).toEqual([])
  })
})

describe('judgeAdmission', () => {
  const config = limits({ alice: { rpm: 2, tpm: 1000, tokens_per_day: 5000 } })
  const plan = planAdmission(config, 'alice', NOW)!
  const result = (rpm: number, tpm: number, tpd: number, admitted = false): TakeResult => ({
    admitted,
    counters: [
      { value: rpm, resetMs: 12_000 },
      { value: tpm, resetMs: 30_000 },
      { value: tpd, resetMs: 5_400_000 },
    ],
  })

  it('should admit what the store admitted', () => {
    expect(judgeAdmission(plan, result(1, 0, 0, true))).toEqual({ kind: 'admit' })
  })

  it('should refuse over rpm with OpenAI headers and Retry-After from that window', () => {
    const refusal = judgeAdmission(plan, result(2, 10, 10))
    if (refusal.kind !== 'refuse') throw new Error('admitted')
    expect(refusal.error.code).toBe('rate_limit_exceeded')
    expect(refusal.error.status).toBe(429)
    expect(refusal.error.message).toContain('requests per minute: limit 2, used 2')
    expect(Object.fromEntries(refusal.headers)).toEqual({
      'x-ratelimit-limit-requests': '2',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '12s',
      'x-ratelimit-limit-tokens': '1000',
      'x-ratelimit-remaining-tokens': '990',
      'x-ratelimit-reset-tokens': '30s',
      'Retry-After': '12',
    })
  })

  it('should wait for the later window when both per-minute limits are reached', () => {
    const refusal = judgeAdmission(plan, result(2, 1500, 10))
    if (refusal.kind !== 'refuse') throw new Error('admitted')
    expect(Object.fromEntries(refusal.headers)['Retry-After']).toBe('30')
    expect(refusal.error.message).toContain('tokens per minute: limit 1000, used 1500')
  })

  it('should say a spent budget is a budget, with its own code, the reset time and no retry', () => {
    const refusal = judgeAdmission(plan, result(2, 1500, 5200))
    if (refusal.kind !== 'refuse') throw new Error('admitted')
    expect(refusal.error.code).toBe('token_budget_exhausted')
    expect(refusal.error.status).toBe(429)
    expect(refusal.error.message).toContain('daily token budget')
    expect(refusal.error.message).toContain('limit 5000, used 5200')
    expect(refusal.error.message).toContain('2026-12-02T00:00:00Z')
    expect(Object.fromEntries(refusal.headers)).toMatchObject({
      'Retry-After': '5400',
      'x-should-retry': 'false',
    })
  })
})

describe('toLimitReply', () => {
  it('should answer in OpenAI error shape with the headers and CORS', () => {
    const reply = toLimitReply(
      storeUnavailable(),
      [['Access-Control-Allow-Origin', '*']],
      '/v1/chat/completions',
    )
    expect(reply.status).toBe(503)
    expect(JSON.parse(reply.body)).toEqual({
      error: {
        message: expect.stringContaining('redis'),
        type: 'oxy_error',
        code: 'limits_store_unavailable',
      },
    })
    expect(reply.headers).toContainEqual(['Retry-After', '1'])
    expect(reply.headers).toContainEqual(['Access-Control-Allow-Origin', '*'])
  })
})
