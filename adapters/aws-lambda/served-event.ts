import type { IncomingHttpHeaders } from 'node:http'
import { Readable, Writable } from 'node:stream'
import type { ServedRequest, ServedResponse } from '../../core/engines/node/served'
import type { EventRequest, WrittenResponse } from './http-event'

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
    const headers: Record<string, string> = {}
    const raw = request.rawHeaders
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase()
      const seen = headers[name]
      headers[name] = seen === undefined ? raw[i + 1]! : `${seen}, ${raw[i + 1]}`
    }
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
 * Collects what the engine writes: status and raw headers from writeHead, the body's chunks.
 * `written` resolves when the engine ends the response and rejects when it cuts it (destroy):
 * the invocation then fails, which API Gateway answers with a 502, never a truncated 200.
 */
export class ServedEventResponse extends Writable implements ServedResponse {
  headersSent = false
  readonly written: Promise<WrittenResponse>
  #status = 200
  #rawHeaders: string[] = []
  readonly #chunks: Buffer[] = []

  constructor() {
    super()
    this.written = new Promise((resolve, reject) => {
      this.once('finish', () =>
        resolve({ status: this.#status, rawHeaders: this.#rawHeaders, body: Buffer.concat(this.#chunks) }),
      )
      this.once('close', () => {
        if (!this.writableFinished) reject(new Error('The response was cut before its end.'))
      })
    })
    // destroy(error) emits it before 'close'; the rejection above reports the cut.
    this.on('error', () => {})
  }

  writeHead(status: number, statusTextOrHeaders: string | string[], headers?: string[]): this {
    if (this.headersSent) throw new Error('The response head was already written.')
    this.headersSent = true
    this.#status = status
    this.#rawHeaders = Array.isArray(statusTextOrHeaders) ? statusTextOrHeaders : (headers ?? [])
    return this
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
