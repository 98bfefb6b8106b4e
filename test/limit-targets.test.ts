import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FakeOpenAI } from './fake-openai'
import { startFakeOpenAI } from './fake-openai'
import { TOKEN_A, TOKEN_B } from './owner-controls'
import { functionUrlEvent } from './reliability/lambda-events'
import { LAMBDA_TARGETS, useLambdaTarget } from './reliability/lambda-targets'
import { HTTP_TARGETS, useHttpTargets } from './reliability/targets'

/**
 * Per-key limits on every built artifact, counted where each counts without Redis (the process,
 * the isolate): the self-hosted zip, SCF, FC and Lambda load oxy-limits.cjs / .js from beside
 * their bundle; workerd and Deno count in the isolate. The fake OpenAI reports 10 tokens a request.
 */

const KEYS = `alice:${TOKEN_A},bob:${TOKEN_B}`
/** Tokens are added just after the client has its answer. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 150))

let upstream: FakeOpenAI
beforeAll(async () => {
  upstream = await startFakeOpenAI()
})
afterAll(async () => {
  await upstream?.close()
})

/** A request's status and error code, as a client sees them. */
type Outcome = readonly [status: number, code?: string]

function describeLimits(
  name: string,
  start: (env: Record<string, string>) => Promise<(token: string) => Promise<Outcome>>,
) {
  describe(`limits: ${name}`, () => {
    it('should refuse the request over rpm with an OpenAI-shaped 429, per key', async () => {
      const send = await start({ OXY_KEY_RULES: '{"alice":{"rpm":2}}' })
      const outcomes = [await send(TOKEN_A), await send(TOKEN_A), await send(TOKEN_A)]
      expect(outcomes).toEqual([[200], [200], [429, 'rate_limit_exceeded']])
      expect(await send(TOKEN_B)).toEqual([200])
    })

    it('should let the request that crosses the daily budget finish and refuse the next', async () => {
      const send = await start({ OXY_KEY_RULES: '{"*":{"tokens_per_day":15}}' })
      expect(await send(TOKEN_A)).toEqual([200])
      await settle()
      expect(await send(TOKEN_A)).toEqual([200])
      await settle()
      expect(await send(TOKEN_A)).toEqual([429, 'token_budget_exhausted'])
      expect(await send(TOKEN_B)).toEqual([200])
    })
  })
}

const startHttp = useHttpTargets()
for (const name of HTTP_TARGETS) {
  describeLimits(`${name} artifact`, async (env) => {
    const target = await startHttp(name, { OXY_TARGET: upstream.url, OXY_ACCESS_KEYS: KEYS, ...env })
    cleanups.push(target.close)
    return async (token) => {
      const client = new OpenAI({ baseURL: `${target.url}/v1`, apiKey: token, maxRetries: 0 })
      return client.chat.completions
        .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
        .then(
          (): Outcome => [200],
          (error: unknown): Outcome =>
            error instanceof OpenAI.APIError ? [error.status ?? 0, String(error.code)] : [-1, String(error)],
        )
    }
  })
}

const startLambda = useLambdaTarget()
for (const handler of LAMBDA_TARGETS) {
  describeLimits(`aws-lambda.zip ${handler}`, async (env) => {
    const target = await startLambda({ OXY_TARGET: upstream.url, OXY_ACCESS_KEYS: KEYS, ...env })
    cleanups.push(target.close)
    return async (token) => {
      const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
      const event = functionUrlEvent({
        method: 'POST',
        rawPath: '/v1/chat/completions',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body,
      })
      const answer = await target.invoke(handler, event)
      if (answer.status === 200) return [200]
      const code = (JSON.parse(answer.body.toString('utf8')) as { error?: { code?: string } }).error?.code
      return [answer.status ?? 0, String(code)]
    }
  })
}

const cleanups: (() => Promise<void>)[] = []
afterAll(async () => {
  await Promise.all(cleanups.splice(0).map((close) => close()))
})
