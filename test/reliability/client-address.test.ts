import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLIENT_ADDRESS_SAMPLES } from '../client-address-samples'
import type { FakeOpenAI } from '../fake-openai'
import { startFakeOpenAI } from '../fake-openai'
import { functionUrlEvent } from './lambda-events'
import { LAMBDA_TARGETS, useLambdaTarget } from './lambda-targets'
import { AUTH } from './secrets'
import { createTally } from './tally'
import { HTTP_TARGETS, useHttpTargets } from './targets'

/**
 * The client-address headers of common fronts (Fly, Azure, Vercel, Netlify, Akamai, Envoy, App
 * Engine, Fastly, Chinese CDNs, SCF function URLs), and their underscore spellings, which
 * CGI-style upstreams read as the dashed names: none may reach the upstream, on any target.
 */
const startTarget = useHttpTargets()
const startLambda = useLambdaTarget()

let upstream: FakeOpenAI
beforeAll(async () => {
  upstream = await startFakeOpenAI()
})
afterAll(() => upstream?.close())

/** Which sample headers, by name or by value, reached the upstream. */
function leaked(rawHeaders: readonly string[]): string[] {
  const dashed = (name: string) => name.toLowerCase().replace(/_/g, '-')
  const names = new Set(rawHeaders.filter((_, index) => index % 2 === 0).map(dashed))
  const values = new Set(rawHeaders.filter((_, index) => index % 2 === 1))
  return Object.entries(CLIENT_ADDRESS_SAMPLES)
    .filter(([name, value]) => names.has(dashed(name)) || values.has(value))
    .map(([name]) => name)
}

describe('client-address headers', () => {
  for (const name of HTTP_TARGETS) {
    it(`should forward none of them (${name})`, async ({ task }) => {
      const tally = createTally(task, 'bad input: client-address headers', name)
      const target = await startTarget(name, { OXY_TARGET: upstream.url })
      try {
        await tally.check('every family', async () => {
          const before = upstream.received.length
          const response = await fetch(`${target.url}/v1/models`, {
            headers: { ...CLIENT_ADDRESS_SAMPLES, ...AUTH },
          })
          expect(response.status).toBe(200)
          await response.arrayBuffer()
          const reached = upstream.received.slice(before)
          expect(reached).toHaveLength(1)
          expect(leaked(reached[0]!.rawHeaders)).toEqual([])
        })
      } finally {
        await target.close()
      }
      tally.finish()
    })
  }

  for (const handler of LAMBDA_TARGETS) {
    it(`should forward none of them from a Lambda event (${handler})`, async ({ task }) => {
      const tally = createTally(task, 'bad input: client-address headers', handler)
      const lambda = await startLambda({ OXY_TARGET: upstream.url })
      try {
        await tally.check('every family', async () => {
          const before = upstream.received.length
          const headers = Object.fromEntries(
            Object.entries(CLIENT_ADDRESS_SAMPLES).map(([key, value]) => [key.toLowerCase(), value]),
          )
          const answer = await lambda.invoke(handler, functionUrlEvent({ rawPath: '/v1/models', headers }))
          expect(answer.status).toBe(200)
          const reached = upstream.received.slice(before)
          expect(reached).toHaveLength(1)
          expect(leaked(reached[0]!.rawHeaders)).toEqual([])
        })
      } finally {
        await lambda.close()
      }
      tally.finish()
    })
  }
})
