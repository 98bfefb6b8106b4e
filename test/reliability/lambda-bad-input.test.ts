import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FakeOpenAI } from '../fake-openai'
import { startFakeOpenAI } from '../fake-openai'
import type { Canary } from './canary'
import { startCanary } from './canary'
import type { EventParts } from './lambda-events'
import { functionUrlEvent } from './lambda-events'
import type { LambdaTarget } from './lambda-targets'
import { LAMBDA_TARGETS, useLambdaTarget } from './lambda-targets'
import { createTally } from './tally'

/**
 * On Lambda the hostile input is the event: API Gateway and function URLs hand the function
 * whatever path and headers the client sent. `refused` cases must get an OpenAI-shaped 4xx and
 * reach no upstream; `served` ones carry hostile decoration (spoofed Host, forwarding headers)
 * and may reach the configured upstream only, scrubbed; `contained` ones may go either way, as
 * long as nothing but the configured upstream is contacted.
 */
interface HostileEvent {
  readonly name: string
  readonly event: EventParts
  readonly expect: 'refused' | 'served' | 'contained'
}

function hostileEvents(evil: string): HostileEvent[] {
  return [
    { name: 'path starting with //', event: { rawPath: `//${evil}/v1/models` }, expect: 'refused' },
    { name: 'stage then //', event: { rawPath: `/release//${evil}/v1/models` }, expect: 'refused' },
    { name: 'route then //', event: { rawPath: `/anthropic//${evil}/v1/models` }, expect: 'refused' },
    { name: 'path with a backslash', event: { rawPath: `/\\${evil}/v1/models` }, expect: 'refused' },
    { name: 'path with ..', event: { rawPath: '/v1/../../v1/models' }, expect: 'refused' },
    { name: 'path with encoded ..', event: { rawPath: '/v1/%2e%2e/%2E%2E/v1/models' }, expect: 'refused' },
    { name: 'path with %2F', event: { rawPath: `/%2F%2F${evil}/v1/models` }, expect: 'refused' },
    { name: 'path with %00', event: { rawPath: '/v1/models%00.json' }, expect: 'refused' },
    {
      name: 'path with encoded CRLF',
      event: { rawPath: `/v1/models%0d%0aHost:%20${evil}` },
      expect: 'refused',
    },
    { name: 'absolute URL as the path', event: { rawPath: `http://${evil}/v1/models` }, expect: 'contained' },
    { name: 'authority as the path', event: { rawPath: evil }, expect: 'contained' },
    { name: 'CONNECT method', event: { method: 'CONNECT', rawPath: evil }, expect: 'contained' },
    { name: 'spoofed Host', event: { rawPath: '/v1/models', headers: { host: evil } }, expect: 'served' },
    {
      name: 'spoofed forwarding headers',
      event: {
        rawPath: '/v1/models',
        headers: {
          'x-forwarded-host': evil,
          forwarded: `host=${evil};for=203.0.113.7`,
          'x-real-ip': '203.0.113.7',
        },
      },
      expect: 'served',
    },
    { name: 'path with @', event: { rawPath: `/@${evil}/v1/models` }, expect: 'served' },
    {
      name: 'query with encoded CRLF',
      event: { rawPath: '/v1/models', rawQueryString: `a=1%0d%0aHost:%20${evil}` },
      expect: 'served',
    },
  ]
}

const startLambda = useLambdaTarget()
let upstream: FakeOpenAI
let canary: Canary
let lambda: LambdaTarget
beforeAll(async () => {
  upstream = await startFakeOpenAI()
  canary = await startCanary()
  lambda = await startLambda({
    OXY_TARGET: upstream.url,
    OXY_ROUTES: `/anthropic=${upstream.url}`,
    OXY_STAGE_PREFIXES: 'release,test,prepub',
  })
})
afterAll(async () => {
  await lambda?.close()
  await canary?.close()
  await upstream?.close()
})

describe('bad input: crafted Lambda events', () => {
  for (const handler of LAMBDA_TARGETS) {
    it(`should refuse or contain every hostile event and keep serving (${handler})`, async ({ task }) => {
      const tally = createTally(task, 'bad input: crafted events', handler)
      for (const hostile of hostileEvents(canary.host)) {
        await tally.check(hostile.name, async () => {
          const before = upstream.received.length
          const answer = await lambda.invoke(handler, functionUrlEvent(hostile.event))
          const body = answer.body.toString()
          const reached = upstream.received.slice(before)
          if (hostile.expect === 'refused') {
            expect(answer.status, body).toBeGreaterThanOrEqual(400)
            expect(answer.status, body).toBeLessThan(500)
            expect(JSON.parse(body)).toMatchObject({ error: { type: 'oxy_error' } })
            expect(reached, 'reached the upstream').toEqual([])
          }
          if (hostile.expect === 'served') expect(reached.length, body).toBeGreaterThan(0)
          for (const request of reached) {
            expect(request.headers.host).toBe(new URL(upstream.url).host)
            expect(request.rawHeaders.join('\n')).not.toMatch(/x-forwarded|forwarded:|x-real-ip/i)
          }
          expect(canary.hits, 'the canary was contacted').toEqual([])
          const next = await lambda.invoke(handler, functionUrlEvent({ rawPath: '/v1/models' }))
          expect(next.status, 'the next ordinary request').toBe(200)
        })
      }
      tally.finish()
    })
  }
})
