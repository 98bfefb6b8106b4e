import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ALB_EVENT,
  FUNCTION_URL_EVENT,
  HTTP_API_EVENT,
  REST_API_EVENT,
} from '../../adapters/aws-lambda/fixtures'
import { useLambdaTarget } from './lambda-targets'
import { createTally } from './tally'

/**
 * Every header of the buffered handler's result, for every event type it serves: an upstream
 * answer with two Set-Cookie headers and a custom header must come back with both cookies (v1
 * multiValueHeaders, v2 `cookies`, ALB multiValueHeaders) and no header that was not sent (a
 * header named "0" came from serverless-http walking a flat raw-header array as an object).
 */
const startLambda = useLambdaTarget()
const COOKIES = ['a=1; Path=/; HttpOnly', 'b=2; Path=/; Secure']

let upstream: http.Server
let upstreamUrl: string
beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    req.resume()
    res.setHeader('Set-Cookie', COOKIES)
    res.setHeader('X-Custom', 'one')
    res.setHeader('Content-Type', 'application/json')
    res.end('{"ok":true}')
  })
  upstream.listen(0, '127.0.0.1')
  await once(upstream, 'listening')
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
})
afterAll(async () => {
  upstream.closeAllConnections()
  upstream.close()
})

interface Result {
  statusCode: number
  headers?: Record<string, string>
  multiValueHeaders?: Record<string, string[]>
  cookies?: string[]
}

const lower = (record: Record<string, unknown> | undefined) =>
  Object.fromEntries(Object.entries(record ?? {}).map(([key, value]) => [key.toLowerCase(), value]))

const { headers: _albSingle, ...albBase } = ALB_EVENT as typeof ALB_EVENT & { headers?: unknown }
const EVENTS: [string, unknown, (result: Result) => string[] | undefined][] = [
  ['REST API (v1)', REST_API_EVENT, (result) => lower(result.multiValueHeaders)['set-cookie'] as string[]],
  ['HTTP API (v2)', HTTP_API_EVENT, (result) => result.cookies],
  ['function URL', FUNCTION_URL_EVENT, (result) => result.cookies],
  [
    'ALB, multi-value headers',
    albBase,
    (result) => lower(result.multiValueHeaders)['set-cookie'] as string[],
  ],
]

describe('lambda handler result headers', () => {
  it('should return every upstream header once, both cookies included, for every event type', async ({
    task,
  }) => {
    const tally = createTally(task, 'lambda handler: result headers', 'lambda handler')
    // A client key of its own, as the fixtures carry one: no tokens, no server-held key.
    const lambda = await startLambda({ OXY_TARGET: upstreamUrl, OXY_ACCESS_KEYS: '', OXY_UPSTREAM_KEY: '' })
    try {
      for (const [label, event, cookiesOf] of EVENTS) {
        await tally.check(label, async () => {
          const result = await lambda.host.invoke<Result>('handler', event)
          expect(result.statusCode).toBe(200)
          const names = [...Object.keys(result.headers ?? {}), ...Object.keys(result.multiValueHeaders ?? {})]
          expect(
            names.filter((name) => /^\d+$/.test(name)),
            'headers named by a number',
          ).toEqual([])
          expect(cookiesOf(result)).toEqual(COOKIES)
          const single = lower(result.headers)
          const multi = lower(result.multiValueHeaders)
          expect(single['x-custom'] ?? (multi['x-custom'] as string[] | undefined)?.[0]).toBe('one')
        })
      }
    } finally {
      await lambda.close()
    }
    tally.finish()
  })
})
