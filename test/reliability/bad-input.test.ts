import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FakeOpenAI } from '../fake-openai'
import { startFakeOpenAI } from '../fake-openai'
import type { Canary } from './canary'
import { startCanary } from './canary'
import { expectContained, expectStillServing } from './containment'
import { hostileRequestArbitrary } from './hostile-arbitraries'
import { hostileRequests } from './hostile-requests'
import { currentProfile } from './profile'
import { firstJsonBody, rawExchange } from './raw-exchange'
import { findSecrets } from './secrets'
import { createTally } from './tally'
import type { HttpTarget } from './targets'
import { HTTP_TARGETS, useHttpTargets } from './targets'

const profile = currentProfile()
const startTarget = useHttpTargets()

let upstream: FakeOpenAI
let canary: Canary
beforeAll(async () => {
  upstream = await startFakeOpenAI()
  canary = await startCanary()
})
afterAll(async () => {
  await canary?.close()
  await upstream?.close()
})

for (const name of HTTP_TARGETS) {
  // workerd's and Deno's own HTTP parsers answer malformed requests, and normalise request targets
  // (`..`, absolute-form), as they choose; there the security property is what is asserted, not
  // the exact answer.
  const strict = name !== 'workerd' && name !== 'deno'

  describe(`bad input: ${name}`, () => {
    let target: HttpTarget
    beforeAll(async () => {
      target = await startTarget(name, {
        OXY_TARGET: upstream.url,
        OXY_ROUTES: `/anthropic=${upstream.url}`,
        OXY_STAGE_PREFIXES: 'release,test,prepub',
      })
    })
    afterAll(() => target?.close())

    it('should refuse each request of the fixed corpus, or forward it only to the upstream, and keep serving', async ({
      task,
    }) => {
      const tally = createTally(task, 'bad input: fixed corpus', name)
      for (const hostile of hostileRequests(canary.host)) {
        await tally.check(hostile.name, async () => {
          const before = upstream.received.length
          const outcome = await rawExchange(target.port, hostile.bytes)
          target.transcript.push(outcome.text)
          const reached = await expectContained(upstream, canary, before, hostile.name)
          if (strict) {
            const status = outcome.statuses[0]
            if (hostile.expect === 'refused') {
              if (status === undefined)
                expect(outcome.closedByServer, 'neither answered nor closed').toBe(true)
              else {
                expect(status, 'status').toBeGreaterThanOrEqual(400)
                expect(status, 'status').toBeLessThan(500)
                expect(firstJsonBody(outcome.text), 'body').toMatchObject({ error: { type: 'oxy_error' } })
              }
              if (!hostile.mayReachUpstream) expect(reached.map((request) => request.url)).toEqual([])
              // A broken body must never complete upstream as if it were whole.
              for (const request of reached)
                expect((await request.done).aborted, 'completed upstream').toBe(true)
            } else {
              expect(status, 'no answer').toBeDefined()
            }
          }
          await expectStillServing(target.url, target.transcript, hostile.name)
        })
      }
      tally.finish()
    })

    it('should contain generated hostile requests (fast-check) and keep serving', async ({ task }) => {
      const tally = createTally(task, 'bad input: generated', name)
      const details = await fc.check(
        fc.asyncProperty(hostileRequestArbitrary(canary.host), async (bytes) => {
          const before = upstream.received.length
          const outcome = await rawExchange(target.port, bytes)
          target.transcript.push(outcome.text)
          await expectContained(upstream, canary, before, JSON.stringify(bytes.slice(0, 200)))
          await expectStillServing(target.url, target.transcript, 'after a generated request')
        }),
        { numRuns: profile.generatedRequests, endOnFailure: true },
      )
      tally.add(
        details.numRuns,
        details.failed ? details.numRuns - 1 : details.numRuns,
        details.failed ? `${fc.defaultReportMessage(details)}\n${String(details.errorInstance)}` : undefined,
      )
      tally.finish()
    })

    it('should show no token or key in any response or log line', async ({ task }) => {
      const tally = createTally(task, 'secrets: bad-input responses and logs', name)
      for (const [index, text] of [...target.transcript, ...target.logs()].entries()) {
        await tally.check(`text ${index}`, () => expect(findSecrets(text)).toEqual([]))
      }
      tally.finish()
    })
  })
}
