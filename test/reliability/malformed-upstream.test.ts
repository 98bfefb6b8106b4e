import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { functionUrlEvent } from './lambda-events'
import { LAMBDA_TARGETS, useLambdaTarget } from './lambda-targets'
import type { MalformedUpstream } from './malformed-upstream'
import { MALFORMED_ANSWERS, startMalformedUpstream } from './malformed-upstream'
import { AUTH } from './secrets'
import { createTally } from './tally'
import { HTTP_TARGETS, useHttpTargets } from './targets'

/**
 * Upstream answers that break HTTP's rules in ways a proxy must not trip over: an invalid status
 * (a crash into a plain-text 500 on workerd, a failed invocation on Lambda), a bare-LF head
 * (a wait for the first-byte timeout), and a broken first chunk (a reset with no status though
 * nothing had been sent). Each must get a prompt OpenAI-shaped 502; where the engine's client
 * (fetch) reads past the head before oxy sees the body, a broken first chunk may instead end
 * the response abruptly, never cleanly.
 */
const startTarget = useHttpTargets()
const startLambda = useLambdaTarget()
/** Far beyond how long any of these may take: a wait for it is the defect. */
const FIRST_BYTE_TIMEOUT_MS = '60000'

let upstream: MalformedUpstream
beforeAll(async () => {
  upstream = await startMalformedUpstream()
})
afterAll(() => upstream?.close())

const PATHS = Object.keys(MALFORMED_ANSWERS)

interface Answer {
  readonly status: number | undefined
  readonly body: string
  /** False when the body was cut. */
  readonly complete: boolean
}

function expectPrompt502(path: string, answer: Answer, fetchEngine: boolean): void {
  if (fetchEngine && path === '/bare-lf-head' && answer.status === 200) {
    // fetch's parser reads LF-only lines, as RFC 9112 allows: then the answer must be whole.
    expect(answer.body).toBe('{}')
    return
  }
  if (fetchEngine && path === '/bad-first-chunk' && answer.status === 200) {
    expect(answer.complete, 'a broken body ended cleanly').toBe(false)
    return
  }
  expect(answer.status, answer.body).toBe(502)
  expect(JSON.parse(answer.body)).toMatchObject({
    error: { type: 'oxy_error', code: 'upstream_bad_response' },
  })
}

for (const name of HTTP_TARGETS) {
  describe(`malformed upstream: ${name}`, () => {
    it('should answer each malformed upstream response with a prompt 502', async ({ task }) => {
      const tally = createTally(task, 'upstream faults: malformed responses', name)
      const target = await startTarget(name, {
        OXY_TARGET: upstream.url,
        OXY_FIRST_BYTE_TIMEOUT_MS: FIRST_BYTE_TIMEOUT_MS,
      })
      try {
        for (const path of PATHS) {
          await tally.check(path, async () => {
            const response = await fetch(`${target.url}${path}`, {
              headers: AUTH,
              signal: AbortSignal.timeout(10_000),
            })
            const read = await response.text().then(
              (body) => ({ body, complete: true }),
              () => ({ body: '', complete: false }),
            )
            target.transcript.push(read.body)
            expectPrompt502(path, { status: response.status, ...read }, name === 'workerd' || name === 'deno')
          })
        }
      } finally {
        await target.close()
      }
      tally.finish()
    }, 60_000)
  })
}

describe('malformed upstream: Lambda', () => {
  for (const handler of LAMBDA_TARGETS) {
    it(`should answer each malformed upstream response with a prompt 502 (${handler})`, async ({ task }) => {
      const tally = createTally(task, 'upstream faults: malformed responses', handler)
      const lambda = await startLambda({
        OXY_TARGET: upstream.url,
        OXY_FIRST_BYTE_TIMEOUT_MS: FIRST_BYTE_TIMEOUT_MS,
      })
      try {
        for (const path of PATHS) {
          await tally.check(path, async () => {
            const answer = await lambda.invoke(handler, functionUrlEvent({ rawPath: path }))
            expectPrompt502(
              path,
              { status: answer.status, body: answer.body.toString(), complete: answer.ended },
              handler === 'lambda streamHandler',
            )
          })
        }
      } finally {
        await lambda.close()
      }
      tally.finish()
    }, 60_000)
  }
})
