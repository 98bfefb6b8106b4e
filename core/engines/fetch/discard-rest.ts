import { LINGER_MS } from '../../policy'

/**
 * Reads and drops what a refused client still sends, for at most LINGER_MS, so that the runtime
 * neither leaves the upload hanging nor resets the connection under it: `deno serve` kept a
 * connection whose body reader was held unread open with the client's upload stuck, and a
 * cancelled body closes the connection while the client may still be sending.
 */
export function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>): void {
  const timer = setTimeout(() => reader.cancel().catch(() => {}), LINGER_MS)
  const drain = async () => {
    for (;;) if ((await reader.read()).done) return
  }
  drain()
    .catch(() => {})
    .finally(() => clearTimeout(timer))
}
