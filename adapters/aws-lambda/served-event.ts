import type { IncomingHttpHeaders } from 'node:http'
import { Readable, Writable } from 'node:stream'
import type { ServedRequest, ServedResponse } from '../../core/engines/node/served'
import type { EventRequest, WrittenResponse } from './http-event'
import { foldHeaders } from './http-event'

/**
 * An event's request as the node engine reads one: what node:http's parser would have made of
 * it, the whole body waiting to be read. Plain streams, not node:http's objects: a cold start
 * then never loads node:http (the engine's upstream client is built on node:net).
 */
export class ServedEventRequest extends Readable implements ServedRequest {
  readonly method: string
  readonly url: string
  readonly rawHeaders: string[]
  readonly headers: IncomingHttpHeaders
  readonly httpVersion = '1.1'
  readonly httpVersionMajor = 1
  readonly complete = true
  #body: Buffer | undefined

  constructor(request: EventRequest) {
    super()
    this.method = request.method
    this.url = request.target
    this.rawHeaders = request.rawHeaders
    this.#body = request.body
    const headers: IncomingHttpHeaders = {}
    for (const [name, values] of foldHeaders(request.rawHeaders).values) headers[name] = values.join(', ')
    this.headers = headers
  }

  override _read(): void {
    const body = this.#body
    this.#body = undefined
    if (body && body.length > 0) this.push(body)
    this.push(null)
  }
}

/**
 * What both event responses share: the head the engine writes (status and raw headers, through
 * writeHead as node:http's response takes them) and how the response ends. `done` resolves when
 * the engine ends the response and rejects when it cuts it (destroy): the invocation then fails,
 * which the platform answers with an error, never a clean truncated body. A response stopped
 * because its reader left (`readerLeft`) is no failure.
 */
export abstract class EventResponse extends Writable implements ServedResponse {
  headersSent = false
  readonly done: Promise<void>
  protected status = 200
  protected rawHeaders: string[] = []
  protected readerLeft = false

  constructor() {
    super()
    this.done = new Promise((resolve, reject) => {
      this.once('finish', () => resolve())
      this.once('close', () => {
        if (this.writableFinished) return
        if (this.readerLeft) resolve()
        else reject(new Error('The response was cut before its end.'))
      })
    })
    // destroy(error) emits it before 'close'; `done` reports the cut.
    this.on('error', () => {})
  }

  writeHead(status: number, statusTextOrHeaders: string | string[], headers?: string[]): this {
    if (this.headersSent) throw new Error('The response head was already written.')
    this.headersSent = true
    this.status = status
    this.rawHeaders = Array.isArray(statusTextOrHeaders) ? statusTextOrHeaders : (headers ?? [])
    return this
  }

  abstract flushHeaders(): void
}

/**
 * Collects what the engine writes: the head and the body's chunks, made one result once `done`.
 * API Gateway answers a failed invocation with a 502.
 */
export class ServedEventResponse extends EventResponse {
  readonly written: Promise<WrittenResponse>
  readonly #chunks: Buffer[] = []

  constructor() {
    super()
    this.written = this.done.then(() => ({
      status: this.status,
      rawHeaders: this.rawHeaders,
      body: Buffer.concat(this.#chunks),
    }))
  }

  /** Nothing to flush: the result carries status, headers and body together. */
  flushHeaders(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.headersSent = true
    this.#chunks.push(chunk)
    done()
  }

  override _final(done: (error?: Error | null) => void): void {
    this.headersSent = true
    done()
  }
}
