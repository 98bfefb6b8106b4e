import http from 'node:http'
import net from 'node:net'
import { performance } from 'node:perf_hooks'

export interface RawExchange {
  /** Status code of the first response, or undefined when the connection closed without one. */
  readonly status: number | undefined
  /** Everything received, as latin1 text. */
  readonly text: string
}

/**
 * Sends bytes as they are, which no HTTP client would send, and returns what came back before
 * the server closed the connection or `waitMs` passed.
 */
export function sendRaw(port: number, request: string | Buffer, waitMs = 1_000): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    const finish = () => {
      clearTimeout(timer)
      socket.destroy()
      const text = Buffer.concat(chunks).toString('latin1')
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1]
      resolve({ status: status ? Number(status) : undefined, text })
    }
    const timer = setTimeout(finish, waitMs)
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('close', finish)
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET') finish()
      else reject(error)
    })
    socket.write(request)
  })
}

/** The JSON body of a raw HTTP/1.1 response with Content-Length. */
export function rawJsonBody(text: string): unknown {
  const start = text.indexOf('\r\n\r\n')
  return JSON.parse(text.slice(start + 4))
}

export interface PartsExchange {
  /** The response's status, read once its body ended (it may come before the last part). */
  readonly status: number
  /** performance.now() when the last part was written. */
  readonly lastPartAt: number
}

/**
 * POSTs `parts` as one body, declared with its whole length, `gapMs` apart: how a slow client's
 * body arrives. Resolves when the response has ended.
 */
export function postInParts(
  url: string,
  headers: http.OutgoingHttpHeaders,
  parts: readonly Buffer[],
  gapMs: number,
): Promise<PartsExchange> {
  return new Promise((resolve, reject) => {
    const length = parts.reduce((sum, part) => sum + part.length, 0)
    const req = http.request(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(length) },
    })
    let lastPartAt = 0
    req.on('response', (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0, lastPartAt }))
    })
    req.on('error', reject)
    const send = (i: number) => {
      if (i < parts.length - 1) {
        req.write(parts[i])
        setTimeout(() => send(i + 1), gapMs)
        return
      }
      lastPartAt = performance.now()
      req.end(parts[i])
    }
    send(0)
  })
}
