import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { performance } from 'node:perf_hooks'

/** The 8 NUL bytes between the JSON prelude and the body of a streamed HTTP response. */
export const PRELUDE_DELIMITER = Buffer.alloc(8)
/** The deadline each invocation gets, as a function's timeout sets it. */
const INVOCATION_TIMEOUT_MS = 60_000

export interface StreamedChunk {
  readonly at: number
  readonly data: Buffer
}

export interface StreamedInvocation {
  /** `response`, or `error` when the runtime reported a failed invocation. */
  readonly kind: 'response' | 'error'
  readonly headers: http.IncomingHttpHeaders
  readonly chunks: StreamedChunk[]
  /** The trailers once the stream ended: the runtime reports a failed stream in them. */
  trailers(): http.IncomingHttpHeaders
  /** Resolves when the stream ends (`ended`) or its connection dies (`ended: false`). */
  readonly done: Promise<{ ended: boolean }>
  /** Resolves with the first chunk of body after the prelude. */
  readonly firstBodyChunk: Promise<void>
  /** Cuts the connection, as when the runtime's link to the response dies. */
  kill(): void
  /** Stops reading the response, as a client that reads nothing makes the runtime API do. */
  pause(): void
}

export interface ParsedStream {
  readonly prelude: { statusCode: number; headers: Record<string, string>; cookies?: string[] }
  readonly body: Buffer
}

export interface FakeRuntimeApi {
  /** host:port, what a runtime reads from AWS_LAMBDA_RUNTIME_API. */
  readonly address: string
  /** A fresh URL for one invocation's response stream. */
  url(id: string): string
  /** Queues an event for the runtime's next `GET .../invocation/next`; returns its request id. */
  enqueue(event: unknown): string
  /** The recording of the stream posted to url(id); waits until it arrives. */
  invocation(id: string): Promise<StreamedInvocation>
  close(): Promise<void>
}

/** A request id as Lambda makes them, unique within the process. */
let lastRequestId = 0

/**
 * The Lambda Runtime API (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html) as far
 * as a runtime uses it: hands queued events to `GET .../invocation/next`, and records each
 * response or error posted back, chunk by chunk with its arrival time (response streaming).
 */
export async function startFakeRuntimeApi(): Promise<FakeRuntimeApi> {
  const invocations = new Map<
    string,
    { promise: Promise<StreamedInvocation>; resolve(value: StreamedInvocation): void }
  >()
  const slot = (id: string) => {
    let entry = invocations.get(id)
    if (!entry) {
      let resolve!: (value: StreamedInvocation) => void
      const promise = new Promise<StreamedInvocation>((r) => {
        resolve = r
      })
      entry = { promise, resolve }
      invocations.set(id, entry)
    }
    return entry
  }
  const queue: { id: string; event: unknown }[] = []
  const waiting: http.ServerResponse[] = []
  const sendNext = (res: http.ServerResponse, next: { id: string; event: unknown }) => {
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Lambda-Runtime-Aws-Request-Id': next.id,
      'Lambda-Runtime-Deadline-Ms': String(Date.now() + INVOCATION_TIMEOUT_MS),
      'Lambda-Runtime-Invoked-Function-Arn': 'arn:aws:lambda:us-east-1:123456789012:function:oxy',
      'Lambda-Runtime-Trace-Id': `Root=1-00000000-${next.id.replace(/-/g, '').slice(0, 24)};Sampled=0`,
    })
    res.end(JSON.stringify(next.event))
  }
  const server = http.createServer((req, res) => {
    const segments = (req.url ?? '').split('/')
    if (req.method === 'GET' && segments[4] === 'next') {
      // Long poll, as the real API: the runtime waits here between invocations.
      const next = queue.shift()
      if (next) sendNext(res, next)
      else waiting.push(res)
      return
    }
    const id = decodeURIComponent(segments[4] ?? '')
    const chunks: StreamedChunk[] = []
    let seen = 0
    let bodyStarted: () => void = () => {}
    const firstBodyChunk = new Promise<void>((resolve) => {
      bodyStarted = resolve
    })
    req.on('data', (data: Buffer) => {
      chunks.push({ at: performance.now(), data })
      seen += data.length
      const all = Buffer.concat(chunks.map((chunk) => chunk.data))
      const split = all.indexOf(PRELUDE_DELIMITER)
      if (split !== -1 && seen > split + PRELUDE_DELIMITER.length) bodyStarted()
    })
    const done = new Promise<{ ended: boolean }>((resolve) => {
      req.once('end', () => {
        res.writeHead(202).end()
        resolve({ ended: true })
      })
      req.once('close', () => resolve({ ended: req.complete }))
    })
    slot(id).resolve({
      kind: segments[5] === 'error' ? 'error' : 'response',
      headers: req.headers,
      chunks,
      trailers: () => req.trailers,
      done,
      firstBodyChunk,
      kill: () => req.socket.destroy(),
      pause: () => req.pause(),
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    address: `127.0.0.1:${port}`,
    enqueue(event) {
      lastRequestId += 1
      const id = `00000000-0000-4000-8000-${String(lastRequestId).padStart(12, '0')}`
      const waiter = waiting.shift()
      if (waiter) sendNext(waiter, { id, event })
      else queue.push({ id, event })
      return id
    },
    url: (id) => `http://127.0.0.1:${port}/2018-06-01/runtime/invocation/${encodeURIComponent(id)}/response`,
    invocation: (id) => slot(id).promise,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/** Splits a recorded stream into its prelude and body, as Lambda does. */
export function parseStream(chunks: readonly StreamedChunk[]): ParsedStream {
  const all = Buffer.concat(chunks.map((chunk) => chunk.data))
  const split = all.indexOf(PRELUDE_DELIMITER)
  if (split === -1) throw new Error(`no prelude delimiter in ${JSON.stringify(all.toString().slice(0, 200))}`)
  return {
    prelude: JSON.parse(all.subarray(0, split).toString()),
    body: all.subarray(split + PRELUDE_DELIMITER.length),
  }
}
