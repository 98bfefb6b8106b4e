import { readFile } from 'node:fs/promises'
import path from 'node:path'
import zlib from 'node:zlib'
import type {
  ALBResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useUnzippedArtifact } from '../../test/boot-artifact'
import { lowerNames, withTimeout } from '../../test/conformance'
import type { FakeOpenAI } from '../../test/fake-openai'
import {
  DEFAULT_CHUNK_DELAY_MS,
  MODELS,
  SPEECH_BYTES,
  SSE_TOKENS,
  startFakeOpenAI,
} from '../../test/fake-openai'
import type { FakeRuntimeApi } from '../../test/fake-runtime-api'
import { PRELUDE_DELIMITER, parseStream, startFakeRuntimeApi } from '../../test/fake-runtime-api'
import type { LambdaHost } from '../../test/lambda-host'
import { startLambdaHost } from '../../test/lambda-host'
import { ALB_EVENT, CHAT_BODY, FUNCTION_URL_EVENT, HTTP_API_EVENT, REST_API_EVENT } from './fixtures'

type Result = APIGatewayProxyResult | APIGatewayProxyStructuredResultV2 | ALBResult

const artifact = useUnzippedArtifact('aws-lambda.zip')
const indexFile = () => path.join(artifact().dir, 'index.js')

/** Headers API Gateway, ALB, CloudFront and function URLs add that must not reach OpenAI. */
const AWS_ADDED = /^(x-forwarded-|x-amzn-|x-amz-cf-|cloudfront-|via$|x-request-id$)/

function bodyOf(result: Result): Buffer {
  return Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8')
}

/** The body as the client reads it: the fixtures accept gzip, which the upstream may use. */
function decodedBodyOf(result: Result): Buffer {
  return headerOf(result, 'content-encoding') === 'gzip' ? zlib.gunzipSync(bodyOf(result)) : bodyOf(result)
}

function headerOf(result: Result, name: string): string | undefined {
  const single = result.headers?.[name]
  if (single !== undefined) return String(single)
  const multi = (result as ALBResult).multiValueHeaders?.[name]
  return multi?.map(String).join(', ')
}

/** A function URL event for another target, built from the real-shaped fixture; the query goes apart. */
function functionUrlEvent(method: string, target: string, body?: Buffer | string, headers = {}) {
  const [rawPath = target, rawQueryString = ''] = target.split('?', 2)
  const binary = Buffer.isBuffer(body)
  const { 'content-length': _fixtureLength, ...fixtureHeaders } = FUNCTION_URL_EVENT.headers
  const length = body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }
  return {
    ...FUNCTION_URL_EVENT,
    rawPath,
    rawQueryString,
    headers: { ...fixtureHeaders, ...length, ...headers },
    requestContext: {
      ...FUNCTION_URL_EVENT.requestContext,
      http: { ...FUNCTION_URL_EVENT.requestContext.http, method, path: rawPath },
    },
    body: body === undefined ? undefined : binary ? body.toString('base64') : body,
    isBase64Encoded: binary,
  }
}

/** A REST API (payload 1.0) event for a bodiless GET of `path`, from the real-shaped fixture. */
function restApiGet(path: string, overrides: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  return { ...REST_API_EVENT, path, httpMethod: 'GET', body: null, isBase64Encoded: false, ...overrides }
}

describe('aws-lambda.zip', () => {
  it('should hold index.js and its limits and status-page chunks only', () => {
    expect(artifact().entries.map(({ name, mode }) => [name, mode.toString(8)])).toEqual([
      ['index.js', '644'],
      ['oxy-limits.js', '644'],
      ['oxy-page.js', '644'],
    ])
  })

  it('should be CommonJS, as Lambda loads a .js handler', async () => {
    const source = await readFile(indexFile(), 'utf8')
    expect(source).toContain('module.exports')
    expect(source).not.toMatch(/^(import|export) /m)
  })
})

describe('handler (buffered)', () => {
  let upstream: FakeOpenAI
  let host: LambdaHost
  beforeAll(async () => {
    upstream = await startFakeOpenAI()
    host = await startLambdaHost(indexFile(), { OXY_TARGET: upstream.url })
  })
  afterAll(async () => {
    await host?.close()
    await upstream?.close()
  })

  const shapes = [
    ['API Gateway REST (v1), base64 body', REST_API_EVENT],
    ['HTTP API (v2) on a named stage', HTTP_API_EVENT],
    ['ALB with multi-value headers', ALB_EVENT],
    ['function URL (BUFFERED)', FUNCTION_URL_EVENT],
  ] as const

  for (const [shape, event] of shapes) {
    it(`should forward a ${shape} event and return the whole stream`, async () => {
      const result = await host.invoke<Result>('handler', event)
      expect(result.statusCode).toBe(200)
      expect(headerOf(result, 'content-type')).toContain('text/event-stream')
      const text = bodyOf(result).toString()
      for (const token of SSE_TOKENS) expect(text).toContain(JSON.stringify(token))
      expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true)

      const seen = upstream.last('/v1/chat/completions')
      expect(seen.url).toBe('/v1/chat/completions')
      expect(seen.body.toString()).toBe(CHAT_BODY)
      expect(seen.headers.authorization).toBe('Bearer sk-proj-EXAMPLEEXAMPLEEXAMPLE')
      expect(seen.headers.host).toBe(new URL(upstream.url).host)
      expect(lowerNames(seen.rawHeaders).filter((name) => AWS_ADDED.test(name))).toEqual([])
    })
  }

  it('should answer ALB events with multi-value headers in kind', async () => {
    const result = (await host.invoke<ALBResult>('handler', ALB_EVENT)) as ALBResult
    expect(result.multiValueHeaders?.['content-type']).toEqual([expect.stringContaining('text/event-stream')])
  })

  it('should return binary speech base64 and byte-exact', async () => {
    const result = await host.invoke<Result>(
      'handler',
      functionUrlEvent('POST', '/v1/audio/speech', '{"model":"tts-1","voice":"alloy","input":"hello"}'),
    )
    expect(result.statusCode).toBe(200)
    expect(result.isBase64Encoded).toBe(true)
    expect(headerOf(result, 'content-type')).toBe('audio/mpeg')
    expect(bodyOf(result).equals(SPEECH_BYTES)).toBe(true)
  })

  it('should return a gzip body base64 and byte-exact for the client to decode', async () => {
    const result = await host.invoke<Result>('handler', restApiGet('/v1/models'))
    expect(result.isBase64Encoded).toBe(true)
    expect(headerOf(result, 'content-encoding')).toBe('gzip')
    expect(JSON.parse(zlib.gunzipSync(bodyOf(result)).toString())).toEqual(MODELS)
  })

  it("should pass a REST API event's query on, the values API Gateway decoded encoded again", async () => {
    const event = restApiGet('/v1/models', {
      queryStringParameters: { 'api-version': '2024-10-21', q: 'c&d' },
      multiValueQueryStringParameters: { 'api-version': ['2024-10-21'], q: ['a b', 'c&d'] },
    })
    const result = await host.invoke<Result>('handler', event)
    expect(result.statusCode).toBe(200)
    expect(upstream.last('/v1/models').url).toBe('/v1/models?api-version=2024-10-21&q=a%20b&q=c%26d')
  })

  it('should keep hostile query parameters inside the query, and refuse an ALB query that would split the request', async () => {
    const rest = restApiGet('/v1/models', {
      queryStringParameters: null,
      // As API Gateway hands them over: decoded, so each may hold &, =, # or a line break.
      multiValueQueryStringParameters: { 'a&b=c': ['x\r\nHost: evil.example#frag'] },
    })
    expect((await host.invoke<Result>('handler', rest)).statusCode).toBe(200)
    expect(upstream.last('/v1/models').url).toBe('/v1/models?a%26b%3Dc=x%0D%0AHost%3A%20evil.example%23frag')

    const before = upstream.received.length
    const alb = {
      ...ALB_EVENT,
      httpMethod: 'GET',
      path: '/v1/models',
      body: '',
      multiValueQueryStringParameters: { a: ['1\r\nHost: evil.example'] },
    }
    const refused = await host.invoke<Result>('handler', alb)
    expect(refused.statusCode).toBe(400)
    expect(JSON.parse(bodyOf(refused).toString()).error).toMatchObject({ type: 'oxy_error' })
    expect(upstream.received.length).toBe(before)
  })

  it('should pass a base64 binary request body on byte-exact', async () => {
    const bytes = Buffer.alloc(64 * 1024)
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 13 + 7) & 0xff
    const result = await host.invoke<Result>(
      'handler',
      functionUrlEvent('POST', '/fake/echo', bytes, { 'content-type': 'application/octet-stream' }),
    )
    expect(result.statusCode).toBe(200)
    expect(upstream.last('/fake/echo').body.equals(bytes)).toBe(true)
  })

  it('should pass upstream errors through', async () => {
    const body = JSON.stringify({ model: 'fake-401', messages: [{ role: 'user', content: 'x' }] })
    const result = await host.invoke<Result>(
      'handler',
      functionUrlEvent('POST', '/v1/chat/completions', body),
    )
    expect(result.statusCode).toBe(401)
    expect(JSON.parse(decodedBodyOf(result).toString()).error.code).toBe('invalid_api_key')
  })

  it('should log one JSON line per request to stdout for CloudWatch', () => {
    const lines = host
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg?: string; path?: string })
    expect(lines.some((line) => line.msg === 'request' && line.path === '/v1/chat/completions')).toBe(true)
  })
})

describe('handler with a bad configuration', () => {
  let host: LambdaHost
  beforeAll(async () => {
    host = await startLambdaHost(indexFile(), { OXY_TARGET: 'api.openai.com' })
  })
  afterAll(() => host?.close())

  it('should answer every request with an OpenAI-shaped 500 naming the variable, not crash', async () => {
    for (const event of [FUNCTION_URL_EVENT, REST_API_EVENT]) {
      const result = await host.invoke<Result>('handler', event)
      expect(result.statusCode).toBe(500)
      const body = JSON.parse(bodyOf(result).toString())
      expect(body.error).toMatchObject({ type: 'oxy_error', code: 'invalid_config' })
      expect(body.error.message).toContain('OXY_TARGET')
    }
    expect(host.child.exitCode).toBeNull()
  })
})

describe('streamHandler (RESPONSE_STREAM, under a stand-in awslambda global)', () => {
  let upstream: FakeOpenAI
  let runtimeApi: FakeRuntimeApi
  let host: LambdaHost
  let invocations = 0
  beforeAll(async () => {
    upstream = await startFakeOpenAI()
    runtimeApi = await startFakeRuntimeApi()
    host = await startLambdaHost(indexFile(), { OXY_TARGET: upstream.url })
  })
  afterAll(async () => {
    await host?.close()
    await runtimeApi?.close()
    await upstream?.close()
  })

  async function stream(event: unknown) {
    const id = `invocation-${invocations++}`
    const outcome = host.stream('streamHandler', event, runtimeApi.url(id))
    const recorded = await runtimeApi.invocation(id)
    return { outcome, recorded }
  }

  it('should send the prelude, then each SSE chunk as it arrives', async () => {
    const { outcome, recorded } = await stream(FUNCTION_URL_EVENT)
    expect(await outcome).toEqual({ rejected: undefined, writableFinished: true })
    expect((await recorded.done).ended).toBe(true)
    expect(recorded.headers['content-type']).toBe('application/vnd.awslambda.http-integration-response')

    const { prelude, body } = parseStream(recorded.chunks)
    expect(prelude.statusCode).toBe(200)
    expect(prelude.headers['content-type']).toContain('text/event-stream')
    for (const token of SSE_TOKENS) expect(body.toString()).toContain(JSON.stringify(token))

    // Arrival times of the body's chunks: a buffering handler would deliver them in one lump.
    const all = Buffer.concat(recorded.chunks.map((chunk) => chunk.data))
    const bodyStart = all.indexOf(PRELUDE_DELIMITER) + PRELUDE_DELIMITER.length
    let offset = 0
    const arrivals: number[] = []
    for (const chunk of recorded.chunks) {
      offset += chunk.data.length
      if (offset > bodyStart) arrivals.push(chunk.at)
    }
    const span = arrivals.at(-1)! - arrivals[0]!
    expect(span).toBeGreaterThan((SSE_TOKENS.length - 1) * DEFAULT_CHUNK_DELAY_MS * 0.6)

    const seen = upstream.last('/v1/chat/completions')
    expect(seen.body.toString()).toBe(CHAT_BODY)
    expect(lowerNames(seen.rawHeaders).filter((name) => AWS_ADDED.test(name))).toEqual([])
  })

  it('should stream binary speech byte-exact', async () => {
    const event = functionUrlEvent(
      'POST',
      '/v1/audio/speech',
      '{"model":"tts-1","voice":"alloy","input":"hi"}',
    )
    const { outcome, recorded } = await stream(event)
    await outcome
    const { prelude, body } = parseStream(recorded.chunks)
    expect(prelude.headers['content-type']).toBe('audio/mpeg')
    expect(body.equals(SPEECH_BYTES)).toBe(true)
  })

  it('should stream a gzip body byte-exact with its Content-Encoding, for the client to decode', async () => {
    const { outcome, recorded } = await stream(functionUrlEvent('GET', '/v1/models'))
    await outcome
    const { prelude, body } = parseStream(recorded.chunks)
    expect(prelude.headers['content-encoding']).toBe('gzip')
    expect(JSON.parse(zlib.gunzipSync(body).toString())).toEqual(MODELS)
  })

  it('should cancel the upstream when the response stream closes early', async () => {
    const { outcome, recorded } = await stream(functionUrlEvent('GET', '/fake/stream?chunks=200&delay=25'))
    await recorded.firstBodyChunk
    recorded.kill()
    const upstreamEnd = await withTimeout(
      upstream.last('/fake/stream').done,
      5_000,
      'the upstream never saw the abort',
    )
    expect(upstreamEnd.aborted).toBe(true)
    // ...and the invocation ends instead of running to the Lambda timeout.
    await withTimeout(outcome, 5_000, 'the handler never returned')
  })

  it('should fail the invocation, not end cleanly, when the upstream dies mid-stream', async () => {
    const { outcome, recorded } = await stream(
      functionUrlEvent('GET', '/fake/stream?chunks=10&delay=20&reset=2'),
    )
    expect((await outcome).rejected).toBeDefined()
    expect((await recorded.done).ended).toBe(false)
  })

  it('should send empty bodies with their prelude', async () => {
    const { outcome, recorded } = await stream(
      functionUrlEvent('OPTIONS', '/v1/chat/completions', undefined, {
        origin: 'https://chat.example.com',
        'access-control-request-method': 'POST',
      }),
    )
    await outcome
    const { prelude, body } = parseStream(recorded.chunks)
    expect(prelude.statusCode).toBe(204)
    expect(body.length).toBe(0)
  })
})

describe('streamHandler with a bad configuration', () => {
  let runtimeApi: FakeRuntimeApi
  let host: LambdaHost
  beforeAll(async () => {
    runtimeApi = await startFakeRuntimeApi()
    host = await startLambdaHost(indexFile(), { OXY_TARGET: 'ftp://api.openai.com' })
  })
  afterAll(async () => {
    await host?.close()
    await runtimeApi?.close()
  })

  it('should stream an OpenAI-shaped 500 naming the variable', async () => {
    const outcome = host.stream('streamHandler', FUNCTION_URL_EVENT, runtimeApi.url('bad'))
    const recorded = await runtimeApi.invocation('bad')
    expect((await outcome).rejected).toBeUndefined()
    const { prelude, body } = parseStream(recorded.chunks)
    expect(prelude.statusCode).toBe(500)
    expect(JSON.parse(body.toString()).error.message).toContain('OXY_TARGET')
  })
})
