import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OWNER_KEY } from '../owner-controls'
import { functionUrlEvent, splitTarget } from './lambda-events'
import { LAMBDA_TARGETS, useLambdaTarget } from './lambda-targets'
import type { LoopbackServer } from './redirecting-upstream'
import { REDIRECT_STATUSES, startOtherHost, startRedirectingUpstream } from './redirecting-upstream'
import { AUTH, AUTH_LINE, findSecrets } from './secrets'
import { createTally } from './tally'
import { HTTP_TARGETS, useHttpTargets } from './targets'

/**
 * No oxy request ever follows a redirect: an upstream (or anyone who can make it answer 3xx)
 * could otherwise send the server-held key and the prompt to a host of its choosing. Every
 * request kind (forwarded, Azure-routed by body, /_oxy/ask, WebSocket upgrade) meets every
 * redirect status on every target, with a server-held key in `api-key` style (Azure) and as a
 * bearer token; the host the redirect names must see nothing, and the client gets the redirect
 * unchanged or a 502.
 */
const startTarget = useHttpTargets()
const startLambda = useLambdaTarget()

let other: LoopbackServer
let redirecting: LoopbackServer
let env: Record<string, string>
beforeAll(async () => {
  other = await startOtherHost()
  redirecting = await startRedirectingUpstream(other.url)
  const routes = REDIRECT_STATUSES.map((status) => `/r${status}=${redirecting.url}/${status}`)
  env = {
    // The default route: Azure mode, so its key goes as `api-key`, and /_oxy/ask calls it.
    OXY_TARGET: `${redirecting.url}/307`,
    OXY_AZURE_DEPLOYMENTS: 'gpt-4o-mini=mini',
    OXY_ROUTES: routes.join(','),
    ...Object.fromEntries(REDIRECT_STATUSES.map((status) => [`OXY_UPSTREAM_KEY_R${status}`, OWNER_KEY])),
  }
})
afterAll(async () => {
  await redirecting?.close()
  await other?.close()
})

interface RedirectCase {
  readonly label: string
  readonly method: string
  readonly target: string
  readonly body?: string
  /** What the client may get: the redirect itself, or a 502. */
  readonly statuses: readonly number[]
}

const CHAT = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'secret prompt' }] })

const CASES: readonly RedirectCase[] = [
  { label: '/_oxy/ask (api-key)', method: 'GET', target: '/_oxy/ask?q=secret+prompt', statuses: [502] },
  {
    label: 'Azure route chosen by body (api-key)',
    method: 'POST',
    target: '/v1/chat/completions',
    body: CHAT,
    statuses: [307, 502],
  },
  ...REDIRECT_STATUSES.flatMap((status): RedirectCase[] => [
    { label: `GET ${status}`, method: 'GET', target: `/r${status}/v1/models`, statuses: [status, 502] },
    {
      label: `POST ${status}`,
      method: 'POST',
      target: `/r${status}/v1/chat/completions`,
      body: CHAT,
      statuses: [status, 502],
    },
  ]),
]

/** A WebSocket handshake, raw: the first status line that comes back, or undefined. */
function upgrade(port: number, path: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    let text = ''
    const finish = () => {
      clearTimeout(timer)
      socket.destroy()
      resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]) || undefined)
    }
    const timer = setTimeout(finish, 10_000)
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1')
      if (text.includes('\r\n\r\n')) finish()
    })
    socket.on('error', finish)
    socket.on('close', finish)
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: oxy.test\r\n${AUTH_LINE}Connection: Upgrade\r\nUpgrade: websocket\r\n` +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    )
  })
}

/** Checks that nothing reached the other host since `since` requests; names any key that did. */
function expectNothingFollowed(since: number): void {
  const followed = other.received.slice(since)
  expect(
    followed.map((request) => `${request.method} ${request.url} ${findSecrets(JSON.stringify(request))}`),
  ).toEqual([])
}

for (const name of HTTP_TARGETS) {
  describe(`redirects: ${name}`, () => {
    it('should never follow an upstream redirect: the client gets it unchanged or a 502', async ({
      task,
    }) => {
      const tally = createTally(task, 'upstream redirects', name)
      const target = await startTarget(name, env)
      try {
        for (const test of CASES) {
          await tally.check(test.label, async () => {
            const since = other.received.length
            const response = await fetch(`${target.url}${test.target}`, {
              method: test.method,
              headers: { ...AUTH, 'Content-Type': 'application/json' },
              body: test.body,
              redirect: 'manual',
              signal: AbortSignal.timeout(10_000),
            })
            const body = await response.text()
            target.transcript.push(JSON.stringify([...response.headers]) + body)
            expectNothingFollowed(since)
            expect(test.statuses, body).toContain(response.status)
          })
        }
        for (const status of REDIRECT_STATUSES) {
          await tally.check(`WebSocket ${status}`, async () => {
            const since = other.received.length
            const answered = await upgrade(target.port, `/r${status}/v1/realtime?model=gpt-4o-realtime`)
            expectNothingFollowed(since)
            expect([status, 502]).toContain(answered)
          })
        }
        await tally.check('no secret in any answer', () =>
          expect(findSecrets(target.transcript.join())).toEqual([]),
        )
      } finally {
        await target.close()
      }
      tally.finish()
    }, 60_000)
  })
}

describe('redirects: Lambda', () => {
  for (const handler of LAMBDA_TARGETS) {
    it(`should never follow an upstream redirect from the ${handler}`, async ({ task }) => {
      const tally = createTally(task, 'upstream redirects', handler)
      const lambda = await startLambda(env)
      try {
        for (const test of CASES) {
          await tally.check(test.label, async () => {
            const since = other.received.length
            const answer = await lambda.invoke(
              handler,
              functionUrlEvent({
                method: test.method,
                ...splitTarget(test.target),
                headers: { 'content-type': 'application/json' },
                body: test.body,
              }),
            )
            expectNothingFollowed(since)
            expect(test.statuses, answer.body.toString()).toContain(answer.status)
          })
        }
        await tally.check('no secret in any answer', () =>
          expect(findSecrets(lambda.transcript.join())).toEqual([]),
        )
      } finally {
        await lambda.close()
      }
      tally.finish()
    }, 60_000)
  }
})
