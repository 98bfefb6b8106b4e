import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { performance } from 'node:perf_hooks'

/** The 8 NUL bytes between the JSON prelude and the body of a streamed HTTP response. */
export const PRELUDE_DELIMITER = Buffer.alloc(8)

export interface StreamedChunk {
  readonly at: number
  readonly data: Buffer
}

export interface StreamedInvocation {
  readonly headers: http.IncomingHttpHeaders
  readonly chunks: StreamedChunk[]
  /** Resolves when the stream ends (`ended`) or its connection dies (`ended: false`). */
  readonly done: Promise<{ ended: boolean }>
  /** Resolves with the first chunk of body after the prelude. */
  readonly firstBodyChunk: Promise<void>
  /** Cuts the connection, as when the runtime's link to the response dies. */
  kill(): void
}

export interface ParsedStream {
  readonly prelude: { statusCode: number; headers: Record<string, string>; cookies?: string[] }
  readonly body: Buffer
}

export interface FakeRuntimeApi {
  /** A fresh URL for one invocation's response stream. */
  url(id: string): string
  /** The recording of the stream posted to url(id); waits until it arrives. */
  invocation(id: string): Promise<StreamedInvocation>
  close(): Promise<void>
}

/**
 * The receiving end of Lambda response streaming: records each chunk the function writes, with
 * its arrival time, as the runtime API would receive it.
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
  const server = http.createServer((req, res) => {
    const id = decodeURIComponent((req.url ?? '').split('/')[4] ?? '')
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
    slot(id).resolve({ headers: req.headers, chunks, done, firstBodyChunk, kill: () => req.socket.destroy() })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
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
