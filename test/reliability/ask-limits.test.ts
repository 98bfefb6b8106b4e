import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFetchProxy } from '../local-proxies'
import type { EndlessAnswer } from './endless-answer'
import { startEndlessAnswer } from './endless-answer'
import { functionUrlEvent } from './lambda-events'
import { LAMBDA_TARGETS, useLambdaTarget } from './lambda-targets'
import { sleep } from './log-lines'
import { waitFor } from './raw-post'
import { AUTH, SECRET_ENV } from './secrets'
import { createTally } from './tally'
import { HTTP_TARGETS, useHttpTargets } from './targets'

/**
 * GET /_oxy/ask reads the upstream's whole answer before replying. An answer that never ends
 * must not make it hold memory without limit, and a client that leaves must end the call:
 * otherwise one request grows the process until it dies, and the owner pays for the tokens.
 */
const startTarget = useHttpTargets()
const startLambda = useLambdaTarget()
/** Far above the cap on the answer, far below what an unbounded reader would take in. */
const MAX_FLOOD_WRITTEN = 64 * 1024 * 1024

let endless: EndlessAnswer
beforeAll(async () => {
  endless = await startEndlessAnswer()
})
afterAll(() => endless?.close())

/** Asks, hangs up while the answer trickles in, and expects the upstream call to end. */
async function checkClientLeaves(url: string): Promise<void> {
  const before = endless.requests()
  const client = new AbortController()
  const pending = fetch(`${url}/_oxy/ask?q=hello`, { headers: AUTH, signal: client.signal })
  pending.catch(() => {})
  await waitFor(() => endless.requests() > before)
  expect(endless.open()).toBe(1)
  await sleep(200)
  client.abort()
  await waitFor(() => endless.open() === 0)
  expect(endless.open(), 'the call outlived its client').toBe(0)
}

for (const name of HTTP_TARGETS) {
  describe(`ask limits: ${name}`, () => {
    it('should cap an endless answer with a 502 and end the call when the client leaves', async ({
      task,
    }) => {
      const tally = createTally(task, 'upstream faults: endless /_oxy/ask answer', name)
      const flooded = await startTarget(name, { OXY_TARGET: `${endless.url}/flood` })
      try {
        await tally.check('an endless answer gets a 502, and the upstream is let go', async () => {
          const response = await fetch(`${flooded.url}/_oxy/ask?q=hello`, {
            headers: AUTH,
            signal: AbortSignal.timeout(15_000),
          })
          const body = await response.text()
          expect(response.status, body).toBe(502)
          expect(JSON.parse(body)).toMatchObject({
            error: { type: 'oxy_error', code: 'upstream_bad_response' },
          })
          await waitFor(() => endless.open() === 0)
          expect(endless.open()).toBe(0)
          task.meta.measured = { ...task.meta.measured, [`${name} flood written`]: endless.written() }
          expect(endless.written()).toBeLessThan(MAX_FLOOD_WRITTEN)
        })
      } finally {
        await flooded.close()
      }
      // Miniflare's local front does not tell the Worker that its client left (request.signal
      // never fires: cloudflare/workers-sdk#6467, cloudflare/workerd#4185); on Cloudflare the
      // request's context, and with it the call, is cancelled. The fetch engine's own handling
      // is checked in process below.
      if (name !== 'workerd') {
        const trickled = await startTarget(name, { OXY_TARGET: `${endless.url}/trickle` })
        try {
          await tally.check('a client that leaves ends the call', () => checkClientLeaves(trickled.url))
        } finally {
          await trickled.close()
        }
      }
      tally.finish()
    }, 60_000)
  })
}

describe('ask limits: fetch engine in process', () => {
  it('should end the call when the client leaves', async ({ task }) => {
    const tally = createTally(task, 'upstream faults: endless /_oxy/ask answer', 'fetch engine in-process')
    const proxy = await startFetchProxy({ ...SECRET_ENV, OXY_TARGET: `${endless.url}/trickle` })
    try {
      await tally.check('a client that leaves ends the call', () => checkClientLeaves(proxy.url))
    } finally {
      await proxy.close()
    }
    tally.finish()
  })
})

describe('ask limits: Lambda', () => {
  it('should cap an endless answer with a 502 in both handlers', async ({ task }) => {
    const tally = createTally(
      task,
      'upstream faults: endless /_oxy/ask answer',
      'lambda handler + streamHandler',
    )
    const lambda = await startLambda({ OXY_TARGET: `${endless.url}/flood` })
    try {
      for (const handler of LAMBDA_TARGETS) {
        await tally.check(handler, async () => {
          const answer = await lambda.invoke(
            handler,
            functionUrlEvent({ rawPath: '/_oxy/ask', rawQueryString: 'q=hello' }),
          )
          expect(answer.status, answer.body.toString()).toBe(502)
          await waitFor(() => endless.open() === 0)
          expect(endless.open()).toBe(0)
          expect(endless.written()).toBeLessThan(MAX_FLOOD_WRITTEN)
        })
      }
    } finally {
      await lambda.close()
    }
    tally.finish()
  }, 60_000)
})
