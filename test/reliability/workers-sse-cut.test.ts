import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FakeOpenAI } from '../fake-openai'
import { startFakeOpenAI } from '../fake-openai'
import { TOKEN_A } from '../owner-controls'
import { createTally } from './tally'
import { useHttpTargets } from './targets'

/**
 * workerd cannot cut a response whose body errors: it ends it cleanly, so a chat stream broken
 * half-way would look finished to the client. The Worker ends it with an error event instead;
 * the OpenAI SDK must raise it, never return a short answer as if it were whole.
 */
const startTarget = useHttpTargets()

let upstream: FakeOpenAI
beforeAll(async () => {
  upstream = await startFakeOpenAI()
})
afterAll(() => upstream?.close())

describe('broken streams on workerd', () => {
  it('should make the OpenAI SDK raise a stream cut mid-way, reset or stalled', async ({ task }) => {
    const tally = createTally(task, 'upstream faults: broken SSE on Workers', 'workerd')
    const target = await startTarget('workerd', { OXY_TARGET: upstream.url, OXY_IDLE_TIMEOUT_MS: '400' })
    const client = new OpenAI({ baseURL: `${target.url}/v1`, apiKey: TOKEN_A, maxRetries: 0 })
    try {
      for (const query of [{ reset: '2' }, { stall: '2' }]) {
        await tally.check(JSON.stringify(query), async () => {
          const stream = await client.chat.completions.create(
            { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true },
            { query: { ...query, chunks: '20', delay: '20' } },
          )
          const tokens: string[] = []
          const outcome = await (async () => {
            for await (const chunk of stream) tokens.push(chunk.choices[0]?.delta.content ?? '')
          })().then(
            () => 'completed',
            (error: unknown) => error,
          )
          expect(outcome).toBeInstanceOf(OpenAI.APIError)
          expect(tokens.length).toBe(2)
        })
      }
    } finally {
      await target.close()
    }
    tally.finish()
  }, 60_000)
})
