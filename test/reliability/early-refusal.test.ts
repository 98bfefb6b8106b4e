import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FakeOpenAI } from '../fake-openai'
import { startFakeOpenAI } from '../fake-openai'
import { openPost, statusOf, waitFor } from './raw-post'
import { createTally } from './tally'
import { HTTP_TARGETS, useHttpTargets } from './targets'

/**
 * A proxy that refuses a request before its body is in, then closes the connection at once,
 * makes its TCP stack answer the body bytes still arriving with a reset, and the reset can erase
 * the refusal before the client reads it (RFC 9112 section 9.6): a client uploading 8 MB got
 * EPIPE and never saw its 503. The client must be able to finish sending and read the refusal.
 */
const startTarget = useHttpTargets()
const BODY_BYTES = 8 * 1024 * 1024
const HEAD = '{"model":"not-deployed","pad":"'
/**
 * workerd ends a connection whose request body is still unread once the response is done, though
 * the worker goes on reading it; only a worker that read the whole body first, and so could not
 * refuse early, kept it. On Cloudflare a user's connection ends at Cloudflare's front, not at
 * workerd, and what the front does cannot be seen here.
 */
const RESETS_UNREAD_BODY: ReadonlySet<string> = new Set(['workerd'])
const TAIL = '"}'

let upstream: FakeOpenAI
beforeAll(async () => {
  upstream = await startFakeOpenAI()
})
afterAll(() => upstream?.close())

interface Refused {
  readonly text: string
  /** The socket errors the client met while it sent the rest of its body and closed. */
  readonly errors: string[]
}

/** Sends the start of a body whose model is refused, waits for the refusal, then sends the rest. */
async function uploadPastRefusal(port: number): Promise<Refused> {
  const post = openPost(port, BODY_BYTES, HEAD, true)
  await waitFor(() => statusOf(post.text()) !== undefined, 10_000)
  post.end('x'.repeat(BODY_BYTES - HEAD.length - TAIL.length) + TAIL)
  const timer = setTimeout(() => post.close('not closed within 20 s'), 20_000)
  await post.closed
  clearTimeout(timer)
  return { text: post.text(), errors: post.errors() }
}

for (const name of HTTP_TARGETS) {
  describe(`refusal before the body is in: ${name}`, () => {
    it('should let the client finish sending its body and read the refusal, without a reset', async ({
      task,
    }) => {
      const tally = createTally(task, 'bad input: refusal before the body is in', name)
      const target = await startTarget(name, {
        OXY_TARGET: upstream.url,
        OXY_AZURE_DEPLOYMENTS: 'gpt-4o-mini=mini',
      })
      try {
        await tally.check('an unknown model refused with 8 MB still to send', async () => {
          const before = upstream.received.length
          const refused = await uploadPastRefusal(target.port)
          if (!RESETS_UNREAD_BODY.has(name))
            expect(refused.errors, 'the connection was reset while the client sent its body').toEqual([])
          expect(statusOf(refused.text)).toBe(404)
          expect(refused.text).toContain('"code":"unknown_model"')
          expect(upstream.received.length).toBe(before)
        })
      } finally {
        await target.close()
      }
      tally.finish()
    }, 60_000)
  })
}
