import { describe, expect, it } from 'vitest'
import { functionUrlEvent } from './lambda-events'
import { LAMBDA_TARGETS, useLambdaTarget } from './lambda-targets'
import { AUTH } from './secrets'
import { createTally } from './tally'
import { HTTP_TARGETS, useHttpTargets } from './targets'

/**
 * A URL-valued variable may carry a secret (a proxy password, `?key=` for Gemini, a token in
 * the userinfo). When it is invalid, its error names it: at start-up on the servers, in the log
 * and in every answer on Workers and Lambda, where anonymous clients read it. The secret part
 * must show in none of them.
 */
const startTarget = useHttpTargets()
const startLambda = useLambdaTarget()

const SECRET = 'cfg-secret-7f3a9'

/** Each is invalid, so that its value is echoed; each hides SECRET in another part of a URL. */
const BAD_VALUES: readonly [string, string][] = [
  ['OXY_TARGET', `https://alice:${SECRET}@api.example.com`],
  ['OXY_TARGET', `https://api.example.com/v1?key=${SECRET}`],
  ['OXY_TARGET', `https://api.example.com/v1#${SECRET}`],
  ['OXY_TARGET', `ftp://${SECRET}@api.example.com/?token=${SECRET}`],
  ['OXY_TARGET', `dave:${SECRET}@api.example.com`],
  ['OXY_ROUTES', `/gemini=https://generativelanguage.googleapis.com/v1beta?key=${SECRET}`],
  ['OXY_ROUTES', `/a=https://bob:${SECRET}@api.anthropic.com`],
  ['HTTPS_PROXY', `socks5://carol:${SECRET}@127.0.0.1:1080`],
  ['HTTP_PROXY', `http://carol:${SECRET}@[::1`],
  ['OXY_REDIS_URL', `redis://dave:${SECRET}@10.0.0.5:6379/x`],
  ['OXY_REDIS_URL', `http://:${SECRET}@10.0.0.5:6379`],
]

for (const name of HTTP_TARGETS) {
  describe(`config secrets: ${name}`, () => {
    it('should name a bad URL-valued variable without its secret', async ({ task }) => {
      const tally = createTally(task, 'secrets: config errors', name)
      for (const [variable, value] of BAD_VALUES) {
        await tally.check(`${variable}=${value.replace(SECRET, '<secret>')}`, async () => {
          const env = { [variable]: value }
          // workerd and deno start anyway and answer every request with the error (below).
          if (name !== 'workerd' && name !== 'deno') {
            // The servers refuse to start and say why on stderr.
            const failure = await startTarget(name, env).then(
              async (target) => {
                await target.close()
                return 'started'
              },
              (error: Error) => error.message,
            )
            expect(failure).toContain(variable)
            expect(failure).not.toContain(SECRET)
            return
          }
          const target = await startTarget(name, env)
          try {
            const response = await fetch(`${target.url}/v1/models`, { headers: AUTH })
            const body = await response.text()
            expect(response.status).toBe(500)
            expect(body).toContain(variable)
            expect(body).not.toContain(SECRET)
            expect(target.logs().join('\n')).not.toContain(SECRET)
          } finally {
            await target.close()
          }
        })
      }
      tally.finish()
    }, 120_000)
  })
}

describe('config secrets: Lambda', () => {
  it('should name a bad URL-valued variable without its secret, in both handlers and the log', async ({
    task,
  }) => {
    const tally = createTally(task, 'secrets: config errors', 'lambda handler + streamHandler')
    for (const [variable, value] of BAD_VALUES) {
      await tally.check(`${variable}=${value.replace(SECRET, '<secret>')}`, async () => {
        const lambda = await startLambda({ [variable]: value })
        try {
          for (const handler of LAMBDA_TARGETS) {
            const answer = await lambda.invoke(handler, functionUrlEvent({ rawPath: '/v1/models' }))
            expect(answer.status).toBe(500)
            expect(answer.body.toString()).toContain(variable)
            expect(answer.body.toString()).not.toContain(SECRET)
          }
          expect(lambda.logs().join('\n')).toContain(variable)
          expect(lambda.logs().join('\n')).not.toContain(SECRET)
        } finally {
          await lambda.close()
        }
      })
    }
    tally.finish()
  }, 120_000)
})
