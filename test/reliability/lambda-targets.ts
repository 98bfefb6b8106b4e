import path from 'node:path'
import zlib from 'node:zlib'
import type { LambdaFunctionURLEvent } from 'aws-lambda'
import { useUnzippedArtifact } from '../boot-artifact'
import { withTimeout } from '../conformance'
import type { FakeRuntimeApi } from '../fake-runtime-api'
import { parseStream, startFakeRuntimeApi } from '../fake-runtime-api'
import type { LambdaHost } from '../lambda-host'
import { startLambdaHost } from '../lambda-host'
import { SECRET_ENV } from './secrets'

export const LAMBDA_TARGETS = ['lambda handler', 'lambda streamHandler'] as const

/** What a client of either handler gets, as far as a test can see it. */
export interface LambdaAnswer {
  /** Undefined when the invocation failed before sending a status (the client gets AWS's 502). */
  readonly status: number | undefined
  readonly headers: Record<string, string>
  /** Decoded, as the client reads it. */
  readonly body: Buffer
  /** False when the response stream was cut (streamHandler) rather than ended. */
  readonly ended: boolean
}

export interface LambdaTarget {
  readonly host: LambdaHost
  invoke(handler: (typeof LAMBDA_TARGETS)[number], event: LambdaFunctionURLEvent): Promise<LambdaAnswer>
  logs(): string[]
  readonly transcript: string[]
  close(): Promise<void>
}

/**
 * aws-lambda.zip's index.js in its own process, as a cold start loads it, behind tokens with a
 * server-held key, with a stand-in runtime API for streamHandler. Call at the top of a file.
 */
export function useLambdaTarget(): (env: Record<string, string>) => Promise<LambdaTarget> {
  const artifact = useUnzippedArtifact('aws-lambda.zip')
  return async (env) => {
    const host = await startLambdaHost(path.join(artifact().dir, 'index.js'), {
      ...SECRET_ENV,
      OXY_LOG: 'json',
      ...env,
    })
    const runtimeApi: FakeRuntimeApi = await startFakeRuntimeApi()
    let invocations = 0
    const transcript: string[] = []
    async function invoke(handler: (typeof LAMBDA_TARGETS)[number], event: LambdaFunctionURLEvent) {
      const answer =
        handler === 'lambda handler'
          ? await invokeBuffered(host, event)
          : await invokeStream(host, runtimeApi, event, invocations++)
      transcript.push(JSON.stringify(answer.headers) + answer.body.toString('latin1'))
      return answer
    }
    return {
      host,
      invoke,
      logs: () =>
        host
          .output()
          .split('\n')
          .filter((line) => line.startsWith('{')),
      transcript,
      async close() {
        await host.close()
        await runtimeApi.close()
      },
    }
  }
}

interface BufferedResult {
  statusCode: number
  headers?: Record<string, string>
  body?: string
  isBase64Encoded?: boolean
}

async function invokeBuffered(host: LambdaHost, event: LambdaFunctionURLEvent): Promise<LambdaAnswer> {
  const result = await withTimeout(
    host.invoke<BufferedResult>('handler', event),
    10_000,
    'handler never returned',
  ).catch((error: unknown) => error as Error)
  // A failed invocation: API Gateway and function URLs answer the client 502 themselves.
  if (result instanceof Error) {
    if (/never returned/.test(result.message)) throw result
    return { status: undefined, headers: {}, body: Buffer.from(result.message), ended: false }
  }
  const headers = Object.fromEntries(
    Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]),
  )
  let body = Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8')
  if (headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body)
  return { status: result.statusCode, headers, body, ended: true }
}

async function invokeStream(
  host: LambdaHost,
  runtimeApi: FakeRuntimeApi,
  event: LambdaFunctionURLEvent,
  index: number,
): Promise<LambdaAnswer> {
  const id = `reliability-${index}`
  const outcome = host.stream('streamHandler', event, runtimeApi.url(id))
  const recorded = await withTimeout(runtimeApi.invocation(id), 10_000, 'streamHandler never posted')
  await withTimeout(outcome, 10_000, 'streamHandler never returned')
  const { ended } = await recorded.done
  try {
    const { prelude, body } = parseStream(recorded.chunks)
    return { status: prelude.statusCode, headers: prelude.headers, body, ended }
  } catch {
    return { status: undefined, headers: {}, body: Buffer.alloc(0), ended }
  }
}
