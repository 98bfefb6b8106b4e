import type { Writable } from 'node:stream'
import { foldHeaders } from './http-event'
import { EventResponse } from './served-event'
import type { AwsLambdaGlobal, ResponseStream } from './stream-handler'

/**
 * What the engine writes, passed to the runtime's response stream as it comes: the prelude
 * (status, headers, cookies) through HttpResponseStream.from once the head is known, then each
 * chunk. A chunk is taken from the engine only once the runtime has taken the one before
 * ('drain'), so a slow reader slows the upstream instead of filling memory.
 *
 * `done` also resolves when the runtime's stream closed first (the engine then sees its client
 * leave and stops the upstream). A cut fails the invocation, which ends the response abnormally;
 * ending it here would hand the client a clean, truncated body.
 */
export class StreamedEventResponse extends EventResponse {
  #stream: Writable | undefined
  readonly #runtime: AwsLambdaGlobal
  readonly #responseStream: ResponseStream

  constructor(runtime: AwsLambdaGlobal, responseStream: ResponseStream) {
    super()
    this.#runtime = runtime
    this.#responseStream = responseStream
    // A write after the runtime's connection died reports an error; the close below handles it.
    responseStream.on('error', () => {})
    // Lambda does not tell a function when the viewer goes away; the stream closes early only when
    // the runtime's own connection dies. Either way nobody will read the rest.
    responseStream.once('close', () => {
      if (this.writableFinished) return
      this.readerLeft = true
      this.destroy()
    })
  }

  /** An event stream's prelude goes at once: the client sees its 200 before the first event. */
  flushHeaders(): void {
    this.#open()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    const stream = this.#open()
    if (stream.write(chunk)) done()
    else stream.once('drain', () => done())
  }

  override _final(done: (error?: Error | null) => void): void {
    this.#open().end()
    done()
  }

  /** The runtime's stream with its prelude set; opened once, on the head or the first byte. */
  #open(): Writable {
    if (this.#stream) return this.#stream
    this.headersSent = true
    const { values, joined } = foldHeaders(this.rawHeaders)
    const stream = this.#runtime.HttpResponseStream.from(this.#responseStream, {
      statusCode: this.status,
      headers: joined,
      cookies: values.get('set-cookie') ?? [],
    })
    // The prelude goes out with the first write; end() alone would send a body without it
    // (aws-lambda-nodejs-runtime-interface-client issues #95 and #97), so always write once.
    stream.write('')
    this.#stream = stream
    return stream
  }
}
