import v8 from 'node:v8'
import { describe, expect, it } from 'vitest'
import { createLimiter } from '../limits/limiter'
import { createMemoryStore } from '../limits/memory-store'
import type { AccessLogEntry, ForwardPlan } from '../policy'
import {
  classifyUpstreamError,
  MAX_REPLAY_BODY_BYTES,
  OxyError,
  parseConfig,
  parseLimitsConfig,
  planRequest,
} from '../policy'
import type { Ending } from './ending'
import type { ExchangeOptions } from './exchange'
import { createExchange } from './exchange'

const CORS: [string, string][] = [['Access-Control-Allow-Origin', '*']]

function start(overrides: Partial<ExchangeOptions> = {}) {
  const logs: AccessLogEntry[] = []
  const stops: Ending[] = []
  let clock = 0
  const exchange = createExchange({
    config: { firstByteTimeoutMs: 0, idleTimeoutMs: 0, maxBodyBytes: 10 },
    method: 'POST',
    logPath: '/v1/chat/completions',
    corsHeaders: CORS,
    classify: classifyUpstreamError,
    onLog: (entry) => logs.push(entry),
    now: () => (clock += 5),
    ...overrides,
  })
  return { exchange, logs, stops, carrier: { stop: (ending: Ending) => stops.push(ending) } }
}

describe('createExchange', () => {
  it('should answer a failure before the head with an OpenAI-shaped reply carrying CORS, and log it once', () => {
    const { exchange, logs, carrier } = start()
    exchange.attempt(carrier)
    const ending = exchange.failed(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))
    expect(ending.kind).toBe('reply')
    if (ending.kind !== 'reply') return
    expect(ending.reply.status).toBe(502)
    expect(ending.reply.headers).toContainEqual(CORS[0])
    expect(JSON.parse(ending.reply.body)).toMatchObject({ error: { code: 'upstream_unreachable' } })
    exchange.clientClosed()
    exchange.ended()
    expect(logs).toEqual([expect.objectContaining({ status: 502, error: 'upstream_unreachable' })])
  })

  it('should cut, never answer, a failure after the head, and keep the first failure', () => {
    const { exchange, logs, carrier } = start()
    exchange.attempt(carrier)
    exchange.headReceived(200, [])
    exchange.bytesPassed(new Uint8Array(7))
    const first = exchange.failed(new OxyError('upstream_idle_timeout', 'stalled'))
    const later = exchange.failed(new Error('aborted'))
    expect(first).toMatchObject({ kind: 'cut', error: { code: 'upstream_idle_timeout' } })
    expect(later.error).toBe(first.error)
    expect(logs).toEqual([
      expect.objectContaining({ status: 200, bytesOut: 7, error: 'upstream_idle_timeout' }),
    ])
  })

  it('should stop the exchange through its carrier when the body grows past the limit', () => {
    const { exchange, stops, carrier } = start()
    exchange.attempt(carrier)
    expect(exchange.requestBytes(10)).toBeUndefined()
    expect(exchange.requestBytes(1)?.code).toBe('body_too_large')
    expect(stops).toMatchObject([{ kind: 'reply', reply: { status: 413 } }])
  })

  it('should stop the upstream and log client_closed when the client leaves', () => {
    const { exchange, logs, stops, carrier } = start()
    exchange.attempt(carrier)
    exchange.headReceived(200, [])
    exchange.clientClosed()
    expect(stops).toMatchObject([{ kind: 'gone' }])
    expect(logs).toMatchObject([{ status: 200, error: 'client_closed' }])
  })

  it('should stop the upstream when the first byte does not come in time', async () => {
    const { exchange, stops, carrier } = start({
      config: { firstByteTimeoutMs: 20, idleTimeoutMs: 0, maxBodyBytes: undefined },
    })
    exchange.attempt(carrier)
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(stops).toMatchObject([
      { kind: 'reply', error: { code: 'upstream_timeout' }, reply: { status: 504 } },
    ])
  })

  it('should not offer a retry today: there is one candidate', () => {
    const { exchange, carrier } = start()
    exchange.bodyKept(0)
    exchange.attempt(carrier)
    expect(exchange.mayRetry()).toBe(false)
  })
})

describe('createExchange with a pool of upstream keys', () => {
  const config = parseConfig({
    OXY_ACCESS_KEYS: 'alice:alice-token-0123456789',
    OXY_UPSTREAM_KEY: 'sk-one,sk-two,sk-three',
  })
  const forwarding = (bodyLength: number) => {
    const plan = planRequest(
      {
        method: 'POST',
        target: '/v1/chat/completions',
        headers: [
          ['Authorization', 'Bearer alice-token-0123456789'],
          ['Content-Type', 'application/json'],
          ['Content-Length', String(bodyLength)],
        ],
      },
      config,
    )
    if (plan.kind !== 'forward') throw new Error(`planned ${plan.kind}`)
    const { exchange, carrier } = start({
      config: { firstByteTimeoutMs: 0, idleTimeoutMs: 0, maxBodyBytes: undefined },
    })
    exchange.forwarding(plan)
    exchange.bodyKept(bodyLength)
    exchange.attempt(carrier)
    return exchange
  }

  it('should hold an answer to read its error only where the error code decides another attempt', () => {
    const exchange = forwarding(100)
    // A 200 (a stream above all) goes to the client as it comes; a 503 is judged by its head.
    const statuses = [200, 400, 401, 403, 429, 503]
    expect(statuses.map((status) => exchange.wantsErrorBody(status))).toEqual([
      false,
      false,
      true,
      true,
      true,
      false,
    ])
  })

  it('should not hold an error it could not retry: the body was too large to keep', () => {
    const exchange = forwarding(MAX_REPLAY_BODY_BYTES + 1)
    expect(exchange.wantsErrorBody(429)).toBe(false)
  })
})

describe('createExchange with limits and no access log (OXY_LOG=off)', () => {
  it('should still read the tokens the upstream reported, for the limits', async () => {
    const config = parseLimitsConfig({ OXY_KEY_RULES: JSON.stringify({ alice: { tokens_per_day: 100 } }) })!
    const limiter = createLimiter({ config, store: createMemoryStore(), log: () => {} })
    const { exchange, carrier } = start({ onLog: undefined, limiter })
    exchange.forwarding({ keyName: 'alice' } as ForwardPlan)
    exchange.bodyKept(0)
    exchange.attempt(carrier)
    exchange.headReceived(200, [['Content-Type', 'application/json']])
    exchange.bytesPassed(new TextEncoder().encode('{"usage":{"prompt_tokens":60,"completion_tokens":50}}'))
    exchange.ended()
    await new Promise((resolve) => setImmediate(resolve))
    expect((await limiter.admit('alice'))?.error.code).toBe('token_budget_exhausted')
  })
})

/**
 * V8's own view of an object, through a native it offers only behind a flag. Set at run time,
 * the flag applies to functions compiled afterwards, such as this one.
 */
function hasFastProperties(object: object): boolean {
  v8.setFlagsFromString('--allow-natives-syntax')
  return new Function('object', 'return %HasFastProperties(object)')(object) as boolean
}

describe('createExchange, as the garbage collector sees it', () => {
  // An exchange in dictionary mode (a getter in its literal did it) kept each finished request
  // alive through young collections: a quarter of the young generation survived each scavenge
  // at one connection, and throughput halved (docs/benchmarks.md, "Regression (2026-12-02)").
  it('should keep an exchange an ordinary fast object, gateway methods included', () => {
    const { exchange, carrier } = start()
    exchange.attempt(carrier)
    exchange.headReceived(200, [])
    exchange.ended()
    expect(hasFastProperties(exchange)).toBe(true)
  })
})
