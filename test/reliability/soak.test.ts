import http from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FakeOpenAI } from '../fake-openai'
import { startFakeOpenAI } from '../fake-openai'
import { rssBytes } from './proc-stats'
import { currentProfile } from './profile'
import { AUTH } from './secrets'
import { createTally } from './tally'
import type { HttpTarget } from './targets'
import { HTTP_TARGETS, useHttpTargets } from './targets'

const profile = currentProfile()
const startTarget = useHttpTargets()
/** RSS is sampled this often (in requests), so each quarter has samples to compare. */
const SAMPLE_EVERY = Math.max(100, Math.floor(profile.soakRequests / 40))
/** Growth allowed from the first quarter's peak to the last quarter's: allocator noise, not a leak. */
const RSS_SLACK_BYTES = 24 * 2 ** 20
/** Every fifth request is a short SSE stream, the rest JSON. */
const PATHS = ['/v1/models', '/v1/models', '/v1/models', '/v1/models', '/fake/stream?chunks=2&delay=1']

let upstream: FakeOpenAI
beforeAll(async () => {
  upstream = await startFakeOpenAI()
})
afterAll(() => upstream?.close())

interface SoakResult {
  readonly done: number
  readonly errors: string[]
  readonly seconds: number
  /** [requests done, RSS bytes] */
  readonly samples: [number, number][]
}

/** `count` requests over `connections` keep-alive connections, bounded by `limitMs`. */
async function soak(
  target: HttpTarget,
  count: number,
  connections: number,
  limitMs: number,
): Promise<SoakResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections })
  const errors: string[] = []
  const samples: [number, number][] = []
  const started = Date.now()
  const deadline = started + limitMs
  let issued = 0
  let done = 0
  const one = (path: string) =>
    new Promise<void>((resolve) => {
      const req = http.get(`${target.url}${path}`, { agent, headers: AUTH }, (res) => {
        res.resume()
        res.on('end', () => {
          if (res.statusCode !== 200) errors.push(`${path}: ${res.statusCode}`)
          resolve()
        })
        res.on('error', (error) => {
          errors.push(`${path}: ${error.message}`)
          resolve()
        })
      })
      req.on('error', (error) => {
        errors.push(`${path}: ${error.message}`)
        resolve()
      })
    })
  const worker = async () => {
    while (issued < count && Date.now() < deadline) {
      const index = issued++
      await one(PATHS[index % PATHS.length]!)
      done++
      if (done % SAMPLE_EVERY === 0) {
        samples.push([done, await rssBytes(target.pid)])
        // The fake upstream records every request; the soak has no use for the records.
        upstream.received.splice(0)
      }
    }
  }
  await Promise.all(Array.from({ length: connections }, worker))
  agent.destroy()
  return { done, errors, seconds: (Date.now() - started) / 1000, samples }
}

function peak(samples: readonly [number, number][]): number {
  return Math.max(...samples.map(([, rss]) => rss))
}

for (const name of HTTP_TARGETS) {
  describe(`soak: ${name}`, () => {
    let target: HttpTarget
    beforeAll(async () => {
      target = await startTarget(name, {
        OXY_TARGET: upstream.url,
        OXY_LOG: name === 'workerd' ? 'off' : 'json',
      })
    })
    afterAll(() => target?.close())

    it(
      `should serve ${profile.soakRequests} requests at ${profile.soakConnections} connections with 0 errors and flat RSS (${profile.name} profile)`,
      async ({ task }) => {
        const tally = createTally(task, `soak (${profile.name})`, name)
        // JIT and heap growth settle in the warm-up; the quarters compare the steady state.
        const warmup = await soak(target, profile.soakWarmup, profile.soakConnections, profile.soakLimitMs)
        const result = await soak(target, profile.soakRequests, profile.soakConnections, profile.soakLimitMs)
        const quarter = Math.ceil(result.samples.length / 4)
        const first = result.samples.slice(0, quarter)
        const last = result.samples.slice(-quarter)
        task.meta.measured = {
          requests: result.done,
          errors: result.errors.length + warmup.errors.length,
          seconds: result.seconds,
          requestsPerSecond: Math.round(result.done / result.seconds),
          rssFirstQuarterPeakMB: Math.round(peak(first) / 2 ** 20),
          rssLastQuarterPeakMB: Math.round(peak(last) / 2 ** 20),
        }
        await tally.check('all requests done in time', () => expect(result.done).toBe(profile.soakRequests))
        await tally.check('0 errors', () =>
          expect([...warmup.errors, ...result.errors].slice(0, 5)).toEqual([]),
        )
        // workerd's own RSS climbs under load, and a three-line pass-through Worker climbs as
        // much (docs/reliability.md): it is the local runtime's, so it is reported, not asserted.
        if (name !== 'workerd')
          await tally.check('RSS flat from the first quarter to the last', () =>
            expect(peak(last)).toBeLessThanOrEqual(peak(first) + RSS_SLACK_BYTES),
          )
        tally.finish()
      },
      profile.soakLimitMs + 30_000,
    )
  })
}
