import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_MODEL_LOOKUP_HELD_BYTES } from '../../core'
import type { FakeOpenAI } from '../fake-openai'
import { startFakeOpenAI } from '../fake-openai'
import { sleep } from './log-lines'
import { rssBytes } from './proc-stats'
import { openPost, statusOf, waitFor } from './raw-post'
import { createTally } from './tally'
import { HTTP_TARGETS, useHttpTargets } from './targets'

/**
 * Azure mode reads the body to find its model. It must read only until it finds it, and all
 * the requests of a process together may hold no more than MAX_MODEL_LOOKUP_HELD_BYTES: 20
 * requests with 32 MB bodies held 676 MB, where a 128 MB function dies with three.
 */
const startTarget = useHttpTargets()
const CONCURRENT = 12
const BODY_BYTES = 8 * 1024 * 1024
const MODEL_LAST = ',"model":"gpt-4o-mini"}'

let upstream: FakeOpenAI
beforeAll(async () => {
  upstream = await startFakeOpenAI()
})
afterAll(() => upstream?.close())

/** Polls until `read()` has not changed for `steadyMs` (bounded by `ms`). */
async function waitForSteady(read: () => number, steadyMs: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  let last = read()
  let since = Date.now()
  while (Date.now() < deadline && Date.now() - since < steadyMs) {
    await sleep(50)
    const now = read()
    if (now !== last) {
      last = now
      since = Date.now()
    }
  }
}

for (const name of HTTP_TARGETS) {
  describe(`azure model lookup: ${name}`, () => {
    it('should read only until the model is found, and bound what all lookups hold', async ({ task }) => {
      const tally = createTally(task, 'bad input: Azure model lookup', name)
      const target = await startTarget(name, {
        OXY_TARGET: upstream.url,
        OXY_AZURE_DEPLOYMENTS: 'gpt-4o-mini=mini',
      })
      try {
        await tally.check('the request goes upstream once its model is known', async () => {
          const head = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"'
          const tail = '"}]}'
          const filler = 'x'.repeat(256 * 1024)
          const before = upstream.received.length
          const post = openPost(target.port, head.length + filler.length + tail.length, head + filler)
          await waitFor(() => upstream.received.length > before)
          const reached = upstream.received.slice(before).map((request) => request.url)
          post.send(tail)
          await waitFor(() => statusOf(post.text()) !== undefined)
          post.close()
          expect(reached, 'nothing reached the upstream before the body ended').toEqual([
            '/openai/deployments/mini/chat/completions?api-version=2024-10-21',
          ])
          expect(statusOf(post.text())).toBe(200)
        })

        await tally.check(`${CONCURRENT} bodies of 8 MB with the model last`, async () => {
          const rssBefore = await rssBytes(target.pid)
          const prefix = '{"messages":[],"pad":"'
          const pad = 'x'.repeat(BODY_BYTES - prefix.length - MODEL_LAST.length - 1)
          const posts = Array.from({ length: CONCURRENT }, () =>
            openPost(target.port, BODY_BYTES, `${prefix}${pad}"`),
          )
          // Everything but the model has been sent: the proxy holds what it has read.
          const refusals = () => posts.filter((post) => statusOf(post.text()) === 503).length
          const held = Math.floor(MAX_MODEL_LOOKUP_HELD_BYTES / BODY_BYTES)
          await waitFor(() => refusals() >= CONCURRENT - held - 1, 40_000)
          await waitForSteady(refusals, 500, 5_000)
          const rssGrowth = (await rssBytes(target.pid)) - rssBefore
          const refused = posts.filter((post) => statusOf(post.text()) === 503)
          task.meta.measured = {
            ...task.meta.measured,
            [`${name} rss growth`]: rssGrowth,
            refused: refused.length,
          }
          for (const post of posts) if (statusOf(post.text()) === undefined) post.send(MODEL_LAST)
          await waitFor(() => posts.every((post) => statusOf(post.text()) !== undefined), 40_000)
          for (const post of posts) post.close()
          expect(refused.length).toBeGreaterThanOrEqual(CONCURRENT - held - 1)
          for (const post of refused) expect(post.text()).toContain('"code":"model_lookup_busy"')
          // Neither the 200 nor the 503: shown with what came back, to tell a runtime's error from oxy's.
          const unexpected = posts.filter((post) => ![200, 503].includes(statusOf(post.text()) ?? 0))
          expect(
            unexpected.map((post) => post.text().slice(-300) || `no reply; socket errors: ${post.errors()}`),
          ).toEqual([])
          expect(rssGrowth).toBeLessThan(MAX_MODEL_LOOKUP_HELD_BYTES + 64 * 1024 * 1024)
        })
      } finally {
        await target.close()
      }
      tally.finish()
    }, 180_000)
  })
}
