import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FakeOpenAI } from '../fake-openai'
import { startFakeOpenAI } from '../fake-openai'
import { expectStillServing } from './containment'
import type { FaultyUpstreams } from './faulty-upstreams'
import { FAULT_ENV, startFaultyUpstreams, UPSTREAM_FAULTS } from './faulty-upstreams'
import { functionUrlEvent, splitTarget } from './lambda-events'
import type { LambdaTarget } from './lambda-targets'
import { LAMBDA_TARGETS, useLambdaTarget } from './lambda-targets'
import { settledLinesFor } from './log-lines'
import { AUTH, findSecrets } from './secrets'
import { createTally } from './tally'
import type { HttpTarget } from './targets'
import { HTTP_TARGETS, useHttpTargets } from './targets'

const startTarget = useHttpTargets()
const startLambda = useLambdaTarget()

let upstream: FakeOpenAI
let faulty: FaultyUpstreams
let env: Record<string, string>
beforeAll(async () => {
  upstream = await startFakeOpenAI()
  faulty = await startFaultyUpstreams()
  env = { OXY_TARGET: upstream.url, OXY_ROUTES: faulty.routes, ...FAULT_ENV }
})
afterAll(async () => {
  await faulty?.close()
  await upstream?.close()
})

/** The SSE events in a body; a complete OpenAI stream ends with `data: [DONE]`. */
function events(text: string): string[] {
  return text.split('\n\n').filter((event) => event !== '')
}

for (const name of HTTP_TARGETS) {
  const codeless = name === 'workerd' || name === 'deno'
  describe(`upstream faults: ${name}`, () => {
    let target: HttpTarget
    beforeAll(async () => {
      target = await startTarget(name, env)
    })
    afterAll(() => target?.close())

    it('should answer each fault with an OpenAI-shaped 502/504 or a cut stream, log it once, and keep serving', async ({
      task,
    }) => {
      const tally = createTally(task, 'upstream faults', name)
      for (const fault of UPSTREAM_FAULTS) {
        await tally.check(fault.name, async () => {
          const since = target.logs().length
          const response = await fetch(`${target.url}${fault.path}`, {
            headers: AUTH,
            signal: AbortSignal.timeout(10_000),
          })
          const headers = JSON.stringify([...response.headers])
          if ('status' in fault.outcome) {
            const body = await response.text()
            target.transcript.push(headers + body)
            expect(response.status, body).toBe(fault.outcome.status)
            const error = (JSON.parse(body) as { error: { type: string; code: string } }).error
            expect(error.type).toBe('oxy_error')
            // workerd's and Deno's fetch errors carry no codes: every failure to reach the upstream is
            // "unreachable".
            if (!codeless || fault.outcome.status === 504) expect(error.code).toBe(fault.outcome.code)
          } else {
            expect(response.status).toBe(200)
            const text = await response.text().then(
              (body) => ({ body, cut: false }),
              () => ({ body: '', cut: true }),
            )
            target.transcript.push(headers + text.body)
            if (name === 'workerd') {
              // https://github.com/cloudflare/workerd/issues/6818: workerd ends an errored body with a
              // clean terminator, so the Worker ends the stream with an error event, never [DONE].
              const sent = events(text.body)
              expect(sent, text.body).toHaveLength(3)
              expect(JSON.parse(sent[2]!.replace(/^data: /, ''))).toMatchObject({
                error: { type: 'oxy_error', code: fault.outcome.code },
              })
              expect(text.body).not.toContain('[DONE]')
            } else {
              expect(text.cut, 'the stream ended cleanly').toBe(true)
            }
          }
          const logPath = fault.path.split('?')[0]!
          const lines = await settledLinesFor(target.logs, since, logPath)
          expect(lines, `log lines for ${logPath}`).toHaveLength(1)
          if (!codeless || !('status' in fault.outcome) || fault.outcome.status === 504)
            expect(lines[0]?.error).toBe(fault.outcome.code)
          else expect(lines[0]?.error).toMatch(/^upstream_/)
          await expectStillServing(target.url, target.transcript, fault.name)
        })
      }
      tally.finish()
    })

    it('should show no token or key in any fault response or log line', async ({ task }) => {
      const tally = createTally(task, 'secrets: fault responses and logs', name)
      for (const [index, text] of [...target.transcript, ...target.logs()].entries())
        await tally.check(`text ${index}`, () => expect(findSecrets(text)).toEqual([]))
      tally.finish()
    })
  })
}

describe('upstream faults: Lambda handlers', () => {
  let lambda: LambdaTarget
  beforeAll(async () => {
    lambda = await startLambda(env)
  })
  afterAll(() => lambda?.close())

  for (const handler of LAMBDA_TARGETS) {
    it(`should answer each fault with an OpenAI-shaped 502/504 or a failed stream, log it once, and keep serving (${handler})`, async ({
      task,
    }) => {
      const tally = createTally(task, 'upstream faults', handler)
      for (const fault of UPSTREAM_FAULTS) {
        await tally.check(fault.name, async () => {
          const since = lambda.logs().length
          const answer = await lambda.invoke(handler, functionUrlEvent(splitTarget(fault.path)))
          const body = answer.body.toString()
          if ('status' in fault.outcome) {
            expect(answer.status, body).toBe(fault.outcome.status)
            expect(JSON.parse(body)).toMatchObject({ error: { type: 'oxy_error', code: fault.outcome.code } })
          } else if (handler === 'lambda streamHandler') {
            expect(answer.ended, 'the response stream ended cleanly').toBe(false)
          } else {
            // A buffered result is all or nothing: a cut stream must not come back as a whole 200.
            expect(answer.status === 200 && !body.includes('[DONE]') && answer.ended, body).toBe(false)
          }
          const logPath = fault.path.split('?')[0]!
          const lines = await settledLinesFor(lambda.logs, since, logPath)
          expect(lines, `log lines for ${logPath}`).toHaveLength(1)
          expect(lines[0]?.error).toBe(fault.outcome.code)
          const next = await lambda.invoke(handler, functionUrlEvent({ rawPath: '/v1/models' }))
          expect(next.status, 'the next ordinary request').toBe(200)
        })
      }
      tally.finish()
    })
  }

  it('should show no token or key in any Lambda result or log line', async ({ task }) => {
    const tally = createTally(task, 'secrets: fault responses and logs', 'lambda')
    for (const [index, text] of [...lambda.transcript, ...lambda.logs()].entries())
      await tally.check(`text ${index}`, () => expect(findSecrets(text)).toEqual([]))
    tally.finish()
  })
})
