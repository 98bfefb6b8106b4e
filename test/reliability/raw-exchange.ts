import net from 'node:net'

export interface RawOutcome {
  /** Status codes of every response that came back, in order. */
  readonly statuses: number[]
  /** Everything received, as latin1 text. */
  readonly text: string
  /** True when the server closed the connection (or reset it) before `waitMs` ran out. */
  readonly closedByServer: boolean
}

export interface RawOptions {
  /**
   * After this long without a byte from the server, send FIN, as a client with nothing more to
   * send: a request waiting for the rest of its body then ends. Not at once: Node's server
   * abandons requests still in flight when the client half-closes.
   */
  readonly finAfterIdleMs?: number
  readonly waitMs?: number
}

/**
 * Sends bytes no HTTP client would send and collects what comes back until the server closes
 * the connection or `waitMs` passes. Loopback only.
 */
export function rawExchange(
  port: number,
  bytes: string | Buffer,
  options: RawOptions = {},
): Promise<RawOutcome> {
  const waitMs = options.waitMs ?? 3_000
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    let settled = false
    const finish = (closedByServer: boolean) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      clearTimeout(idle)
      socket.destroy()
      const text = Buffer.concat(chunks).toString('latin1')
      const statuses = [...text.matchAll(/(?:^|\r\n)HTTP\/\d\.\d (\d{3})/g)].map((match) => Number(match[1]))
      resolve({ statuses, text, closedByServer })
    }
    const timer = setTimeout(() => finish(false), waitMs)
    const idle = setTimeout(() => socket.end(), options.finAfterIdleMs ?? 300)
    socket.on('data', (chunk) => {
      chunks.push(chunk)
      idle.refresh()
    })
    socket.on('close', () => finish(true))
    socket.on('error', () => finish(true))
    socket.write(bytes)
  })
}

/** The JSON body of the first response in `text` (framed by its Content-Length), or undefined. */
export function firstJsonBody(text: string): unknown {
  const start = text.indexOf('\r\n\r\n')
  if (start === -1) return undefined
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, start))?.[1]
  const body = text.slice(start + 4, length === undefined ? undefined : start + 4 + Number(length))
  try {
    return JSON.parse(body)
  } catch {
    return undefined
  }
}
