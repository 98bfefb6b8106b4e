import net from 'node:net'
import { sleep } from './log-lines'
import { AUTH_LINE } from './secrets'

/** A POST written by hand on its own socket, so a test decides when each byte of the body goes. */
export interface RawPost {
  /** Everything the proxy sent back so far. */
  text(): string
  /** The socket errors met so far (a reset shows here when no reply does). */
  errors(): string[]
  send(bytes: string): void
  /** Sends the last bytes and ends the client's side of the connection. */
  end(bytes: string): void
  /** Destroys the socket; with a reason, the reason is counted among its errors. */
  close(reason?: string): void
  /** Settles when the connection is closed, by either side. */
  readonly closed: Promise<void>
}

/**
 * Starts a POST to /v1/chat/completions whose JSON body is `length` bytes long and sends `first`
 * of it. `halfOpen`: the client, not Node, decides when it stops sending after the proxy ends.
 */
export function openPost(port: number, length: number, first: string, halfOpen = false): RawPost {
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: halfOpen })
  let text = ''
  const errors: string[] = []
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1')
  })
  socket.on('error', (error: NodeJS.ErrnoException) => errors.push(error.code ?? error.message))
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  socket.write(
    `POST /v1/chat/completions HTTP/1.1\r\nHost: oxy.test\r\n${AUTH_LINE}Content-Type: application/json\r\nContent-Length: ${length}\r\n\r\n${first}`,
  )
  return {
    text: () => text,
    errors: () => errors,
    send: (bytes) => socket.write(bytes),
    end: (bytes) => socket.end(bytes),
    close: (reason) => socket.destroy(reason === undefined ? undefined : new Error(reason)),
    closed,
  }
}

/** The status of the response a raw exchange read, or undefined before its status line. */
export function statusOf(text: string): number | undefined {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]) || undefined
}

/** Polls, boundedly, until `ready()` holds. */
export async function waitFor(ready: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!ready() && Date.now() < deadline) await sleep(20)
}
