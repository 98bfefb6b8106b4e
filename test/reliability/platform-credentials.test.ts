import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lowerNames } from '../conformance'
import type { FakeOpenAI } from '../fake-openai'
import { startFakeOpenAI } from '../fake-openai'
import { PLATFORM_HEADERS } from '../platform-headers'
import { functionUrlEvent } from './lambda-events'
import { LAMBDA_TARGETS, useLambdaTarget } from './lambda-targets'
import { AUTH, CREDENTIAL_HEADERS } from './secrets'
import { createTally } from './tally'
import { HTTP_TARGETS, useHttpTargets } from './targets'

const startTarget = useHttpTargets()
const startLambda = useLambdaTarget()
/** Every header SCF and FC inject, the credentials among them, as the platforms send them. */
const INJECTED = { ...PLATFORM_HEADERS.tencentScf, ...PLATFORM_HEADERS.aliyunFc }

let upstream: FakeOpenAI
beforeAll(async () => {
  upstream = await startFakeOpenAI()
})
afterAll(() => upstream?.close())

/** The credential names and values found in what reached the upstream. */
function leakedCredentials(rawHeaders: readonly string[]): string[] {
  const names = lowerNames(rawHeaders)
  const leaked = Object.keys(CREDENTIAL_HEADERS).filter((name) => names.includes(name.toLowerCase()))
  const values = rawHeaders.join('\n')
  for (const [name, value] of Object.entries(CREDENTIAL_HEADERS))
    if (values.includes(value)) leaked.push(`${name} value`)
  return leaked
}

const PATHS = ['/v1/models', '/fake/stream?chunks=2&delay=1', '/v1/chat/completions']

describe('platform credentials', () => {
  for (const name of HTTP_TARGETS) {
    it(`should never forward SCF or FC credential headers to the upstream (${name})`, async ({ task }) => {
      const tally = createTally(task, 'secrets: platform credentials', name)
      const target = await startTarget(name, { OXY_TARGET: upstream.url })
      try {
        for (const path of PATHS) {
          await tally.check(path, async () => {
            const before = upstream.received.length
            const post = path === '/v1/chat/completions'
            const response = await fetch(`${target.url}${path}`, {
              method: post ? 'POST' : 'GET',
              headers: { ...INJECTED, ...AUTH, 'Content-Type': 'application/json' },
              body: post ? '{"model":"gpt-4o-mini","messages":[]}' : undefined,
            })
            await response.arrayBuffer()
            const reached = upstream.received.slice(before)
            expect(reached).toHaveLength(1)
            expect(leakedCredentials(reached[0]!.rawHeaders)).toEqual([])
          })
        }
      } finally {
        await target.close()
      }
      tally.finish()
    })
  }

  for (const handler of LAMBDA_TARGETS) {
    it(`should never forward SCF or FC credential headers from a Lambda event (${handler})`, async ({
      task,
    }) => {
      const tally = createTally(task, 'secrets: platform credentials', handler)
      const lambda = await startLambda({ OXY_TARGET: upstream.url })
      try {
        for (const rawPath of ['/v1/models', '/fake/stream']) {
          await tally.check(rawPath, async () => {
            const before = upstream.received.length
            const headers = Object.fromEntries(Object.entries(INJECTED).map(([k, v]) => [k.toLowerCase(), v]))
            const answer = await lambda.invoke(handler, functionUrlEvent({ rawPath, headers }))
            expect(answer.status).toBe(200)
            const reached = upstream.received.slice(before)
            expect(reached).toHaveLength(1)
            expect(leakedCredentials(reached[0]!.rawHeaders)).toEqual([])
          })
        }
      } finally {
        await lambda.close()
      }
      tally.finish()
    })
  }
})
