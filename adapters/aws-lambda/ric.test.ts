import { once } from 'node:events'
import zlib from 'node:zlib'
import type { ALBResult, APIGatewayProxyResult, APIGatewayProxyStructuredResultV2 } from 'aws-lambda'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useUnzippedArtifact } from '../../test/boot-artifact'
import { lowerNames, withTimeout } from '../../test/conformance'
import type { FakeOpenAI } from '../../test/fake-openai'
import { MODELS, SPEECH_BYTES, SSE_TOKENS, startFakeOpenAI } from '../../test/fake-openai'
import type { FakeRuntimeApi, StreamedInvocation } from '../../test/fake-runtime-api'
import { PRELUDE_DELIMITER, parseStream, startFakeRuntimeApi } from '../../test/fake-runtime-api'
import type { RicFunction } from '../../test/lambda-ric'
import { findLambdaRic, startRicFunction } from '../../test/lambda-ric'
import type { Firehose } from '../../test/reliability/firehose'
import { startFirehose } from '../../test/reliability/firehose'
import { ALB_EVENT, CHAT_BODY, FUNCTION_URL_EVENT, HTTP_API_EVENT, REST_API_EVENT } from './fixtures'

/**
 * aws-lambda.zip under AWS's own runtime interface client (aws-lambda-ric on Node.js 22, what the
 * Lambda base images run), polling a local Runtime API: the RIC installs the real `awslambda`
 * global, loads index.js from the task root, serialises buffered results and streams responses
 * over its own HTTP client. artifact.test.ts covers the same handlers fast, under a stand-in.
 */

type Result = APIGatewayProxyResult | APIGatewayProxyStructuredResultV2 | ALBResult

const ric = findLambdaRic()
const artifact = useUnzippedArtifact('aws-lambda.zip')
/** Headers API Gateway, ALB, CloudFront and function URLs add that must not reach OpenAI. */
const AWS_ADDED = /^(x-forwarded-|x-amzn-|x-amz-cf-|cloudfront-|via$|x-request-id$)/
/** How long the runtime API stops reading before the backpressure test compares bytes. */
const STALL_MS = 2_000
const INVOKE_TIMEOUT_MS = 10_000

function bodyOf(result: Result): Buffer {
  return Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8')
}

function headerOf(result: Result, name: string): string | undefined {
  const single = result.headers?.[name]
  if (single !== undefined) return String(single)
  return (result as ALBResult).multiValueHeaders?.[name]?.map(String).join(', ')
}

/** A function URL event for another route, built from the real-shaped fixture. */
function functionUrlEvent(method: string, rawPath: string, rawQueryString = '', body?: string) {
  const { 'content-length': _fixtureLength, ...headers } = FUNCTION_URL_EVENT.headers
  return {
    ...FUNCTION_URL_EVENT,
    rawPath,
    rawQueryString,
    headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
    requestContext: {
      ...FUNCTION_URL_EVENT.requestContext,
      http: { ...FUNCTION_URL_EVENT.requestContext.http, method, path: rawPath },
    },
    body,
    isBase64Encoded: false,
  }
}

function bytesOf(recorded: StreamedInvocation): number {
  return recorded.chunks.reduce((sum, chunk) => sum + chunk.data.length, 0)
}

interface RicInvoker {
  /** Queues the event and returns what the RIC posted back for it. */
  (event: unknown): Promise<StreamedInvocation>
  /** Resolves once the runtime process last started has exited. */
  exit(): Promise<void>
}

/** One RIC process per handler, as Lambda runs one per function, against its own Runtime API. */
function useRicFunction(handler: string, env: () => Record<string, string>): RicInvoker {
  let runtimeApi: FakeRuntimeApi
  let fn: RicFunction | undefined
  /** The running runtime, or a fresh one when it exited: Lambda then initialises a new one. */
  const running = () => {
    if (fn && fn.child.exitCode === null && fn.child.signalCode === null) return fn
    fn = startRicFunction(ric!, {
      taskRoot: artifact().dir,
      handler,
      runtimeApi: runtimeApi.address,
      env: env(),
    })
    return fn
  }
  beforeAll(async () => {
    runtimeApi = await startFakeRuntimeApi()
    running()
  })
  afterAll(async () => {
    await fn?.close()
    await runtimeApi?.close()
  })
  const invoke = async (event: unknown): Promise<StreamedInvocation> => {
    const current = running()
    const id = runtimeApi.enqueue(event)
    let onExit: (code: number | null) => void = () => {}
    const exited = new Promise<never>((_, reject) => {
      onExit = (code) =>
        reject(new Error(`the RIC exited with ${code} before answering:\n${current.output()}`))
      current.child.once('exit', onExit)
    })
    try {
      return await withTimeout(
        Promise.race([runtimeApi.invocation(id), exited]),
        INVOKE_TIMEOUT_MS,
        `the RIC never answered ${id}:\n${current.output()}`,
      )
    } finally {
      current.child.off('exit', onExit)
    }
  }
  const exit = async () => {
    const child = fn?.child
    if (child && child.exitCode === null && child.signalCode === null) await once(child, 'exit')
  }
  return Object.assign(invoke, { exit })
}

describe.skipIf(ric === undefined)('index.handler under aws-lambda-ric (buffered)', () => {
  let upstream: FakeOpenAI
  beforeAll(async () => {
    upstream = await startFakeOpenAI()
  })
  afterAll(() => upstream?.close())
  const invoke = useRicFunction('index.handler', () => ({ OXY_TARGET: upstream.url }))

  async function resultOf(event: unknown): Promise<Result> {
    const recorded = await invoke(event)
    expect(recorded.kind, Buffer.concat(recorded.chunks.map((chunk) => chunk.data)).toString()).toBe(
      'response',
    )
    expect((await recorded.done).ended).toBe(true)
    return JSON.parse(Buffer.concat(recorded.chunks.map((chunk) => chunk.data)).toString()) as Result
  }

  const shapes = [
    ['API Gateway REST (v1), base64 body', REST_API_EVENT],
    ['HTTP API (v2) on a named stage', HTTP_API_EVENT],
    ['ALB with multi-value headers', ALB_EVENT],
  ] as const

  for (const [shape, event] of shapes) {
    it(`should answer ${shape} with the whole stream, through the RIC`, async () => {
      const result = await resultOf(event)
      expect(result.statusCode).toBe(200)
      expect(headerOf(result, 'content-type')).toContain('text/event-stream')
      const text = bodyOf(result).toString()
      for (const token of SSE_TOKENS) expect(text).toContain(JSON.stringify(token))
      expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true)

      const seen = upstream.last('/v1/chat/completions')
      expect(seen.body.toString()).toBe(CHAT_BODY)
      expect(seen.headers.authorization).toBe('Bearer sk-proj-EXAMPLEEXAMPLEEXAMPLE')
      expect(lowerNames(seen.rawHeaders).filter((name) => AWS_ADDED.test(name))).toEqual([])
    })
  }

  it('should answer ALB events with multi-value headers in kind', async () => {
    const result = (await resultOf(ALB_EVENT)) as ALBResult
    expect(result.multiValueHeaders?.['content-type']).toEqual([expect.stringContaining('text/event-stream')])
  })

  it('should return binary speech base64 and byte-exact', async () => {
    const result = await resultOf(
      functionUrlEvent('POST', '/v1/audio/speech', '', '{"model":"tts-1","voice":"alloy","input":"hi"}'),
    )
    expect(result.isBase64Encoded).toBe(true)
    expect(headerOf(result, 'content-type')).toBe('audio/mpeg')
    expect(bodyOf(result).equals(SPEECH_BYTES)).toBe(true)
  })
})

describe.skipIf(ric === undefined)('index.streamHandler under aws-lambda-ric (RESPONSE_STREAM)', () => {
  let upstream: FakeOpenAI
  let firehose: Firehose
  beforeAll(async () => {
    upstream = await startFakeOpenAI()
    firehose = await startFirehose()
  })
  afterAll(async () => {
    await firehose?.close()
    await upstream?.close()
  })
  const invoke = useRicFunction('index.streamHandler', () => ({
    OXY_TARGET: upstream.url,
    OXY_ROUTES: `/firehose=${firehose.url}`,
  }))

  it('should send the HTTP prelude, then each SSE chunk before the upstream has ended', async () => {
    const recorded = await invoke(functionUrlEvent('GET', '/fake/stream', 'chunks=8&delay=60'))
    expect(recorded.headers['lambda-runtime-function-response-mode']).toBe('streaming')
    expect(recorded.headers['content-type']).toBe('application/vnd.awslambda.http-integration-response')
    await recorded.firstBodyChunk
    // The first event is with the runtime API while the upstream is still sending the rest.
    const upstreamRequest = upstream.last('/fake/stream')
    let upstreamEnded = false
    void upstreamRequest.done.then(() => {
      upstreamEnded = true
    })
    await new Promise((resolve) => setImmediate(resolve))
    expect(upstreamEnded).toBe(false)
    const seenBeforeEnd = Buffer.concat(recorded.chunks.map((chunk) => chunk.data)).toString()
    expect(seenBeforeEnd).toContain(JSON.stringify(SSE_TOKENS[0]))
    expect(seenBeforeEnd).not.toContain('[DONE]')

    expect((await recorded.done).ended).toBe(true)
    expect(recorded.trailers()['lambda-runtime-function-error-type']).toBeUndefined()
    const all = Buffer.concat(recorded.chunks.map((chunk) => chunk.data))
    // JSON prelude, 8 NUL bytes, then the body.
    const split = all.indexOf(PRELUDE_DELIMITER)
    expect(JSON.parse(all.subarray(0, split).toString())).toMatchObject({
      statusCode: 200,
      headers: { 'content-type': expect.stringContaining('text/event-stream') },
    })
    const { body } = parseStream(recorded.chunks)
    expect(body.toString().match(/^data: /gm)).toHaveLength(9)
    expect(body.toString().trimEnd().endsWith('data: [DONE]')).toBe(true)
  })

  it('should stream a chat from the real-shaped event, and binary speech byte-exact', async () => {
    const chat = await invoke(FUNCTION_URL_EVENT)
    await chat.done
    const { prelude, body } = parseStream(chat.chunks)
    expect(prelude.statusCode).toBe(200)
    for (const token of SSE_TOKENS) expect(body.toString()).toContain(JSON.stringify(token))
    expect(upstream.last('/v1/chat/completions').body.toString()).toBe(CHAT_BODY)

    const speech = await invoke(
      functionUrlEvent('POST', '/v1/audio/speech', '', '{"model":"tts-1","voice":"alloy","input":"hi"}'),
    )
    await speech.done
    const streamed = parseStream(speech.chunks)
    expect(streamed.prelude.headers['content-type']).toBe('audio/mpeg')
    expect(streamed.body.equals(SPEECH_BYTES)).toBe(true)
  })

  // Lambda gives a function no signal when the viewer leaves (aws-lambda-nodejs-runtime-interface-
  // client#145); the stream dies only with the runtime's own connection. Under the stand-in
  // (artifact.test.ts) oxy then cancels the upstream itself; the real RIC takes the process down.
  it('should leave no upstream request running when the runtime connection dies', async () => {
    const recorded = await invoke(functionUrlEvent('GET', '/fake/stream', 'chunks=400&delay=25'))
    await recorded.firstBodyChunk
    recorded.kill()
    const upstreamEnd = await withTimeout(
      upstream.last('/fake/stream').done,
      5_000,
      'the upstream never saw the abort',
    )
    expect(upstreamEnd.aborted).toBe(true)
    // aws-lambda-ric 4.0.2 leaves the dead stream's rejection unhandled and the runtime process
    // exits; Lambda then starts a fresh one, which serves the next invocation.
    await withTimeout(invoke.exit(), 5_000, 'the RIC kept running on a dead stream')
    const next = await invoke(functionUrlEvent('GET', '/v1/models'))
    await next.done
    // The fixture accepts gzip: the upstream's compressed body streams through as it came.
    const { prelude, body } = parseStream(next.chunks)
    expect(prelude.headers['content-encoding']).toBe('gzip')
    expect(JSON.parse(zlib.gunzipSync(body).toString())).toEqual(MODELS)
  })

  it('should fail the invocation in the error trailers when the upstream dies mid-stream', async () => {
    const recorded = await invoke(functionUrlEvent('GET', '/fake/stream', 'chunks=10&delay=20&reset=2'))
    await recorded.done
    expect(recorded.trailers()['lambda-runtime-function-error-type']).toBeDefined()
    expect(parseStream(recorded.chunks).body.toString()).not.toContain('[DONE]')
  })

  it('should pull the upstream only as fast as the runtime API takes the stream', async () => {
    const recorded = await invoke(functionUrlEvent('GET', '/firehose/big'))
    await recorded.firstBodyChunk
    recorded.pause()
    await new Promise((resolve) => setTimeout(resolve, STALL_MS))
    const inFlight = firehose.written() - bytesOf(recorded)
    // Socket buffers on both loopback hops hold a few MB; without backpressure the handler would
    // pull the firehose at memory speed, hundreds of MB in the same time.
    expect(inFlight).toBeLessThan(32 * 2 ** 20)
    expect(firehose.written()).toBeLessThan(64 * 2 ** 20)
    recorded.kill()
    await withTimeout(invoke.exit(), 5_000, 'the RIC kept running on a dead stream')
    const next = await invoke(functionUrlEvent('GET', '/v1/models'))
    await next.done
    expect(parseStream(next.chunks).prelude.statusCode).toBe(200)
  })
})
