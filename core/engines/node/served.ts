import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { Readable, Writable } from 'node:stream'

/**
 * What the engine reads of the request it serves: node:http's IncomingMessage, or an adapter's
 * own readable when no HTTP server parsed one (the Lambda handler makes it from the event).
 */
export interface ServedRequest
  extends Pick<
      IncomingMessage,
      'method' | 'url' | 'headers' | 'rawHeaders' | 'httpVersion' | 'httpVersionMajor' | 'complete'
    >,
    Pick<Readable, 'on' | 'once' | 'off' | 'pause' | 'resume' | 'removeAllListeners'> {
  /** The client's connection; none when the request did not come over a socket of ours. */
  readonly socket?: Socket | null
}

/**
 * What the engine writes the answer to: node:http's ServerResponse, or an adapter's own writable
 * that collects it. Status and headers always go through writeHead, the headers as a flat raw array.
 */
export interface ServedResponse
  extends Pick<Writable, 'write' | 'end' | 'destroy' | 'on' | 'once' | 'destroyed' | 'writableFinished'> {
  writeHead(status: number, headers: string[]): unknown
  writeHead(status: number, statusText: string, headers: string[]): unknown
  /** Sends the head at once (an event stream's client sees its 200 before the first event). */
  flushHeaders(): void
  readonly headersSent: boolean
  /** Set by node:http's server: the request and connection this response answers. */
  readonly req?: ServedRequest
  readonly socket?: Socket | null
}
