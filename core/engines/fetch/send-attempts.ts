import type { Ending, Exchange } from '../../exchange'
import type { ForwardPlan } from '../../policy'
import { ERROR_BODY_PEEK_BYTES, OxyError } from '../../policy'
import { toHeadersInit } from './to-response'

/** What every attempt shares: the method, the body, the abort signal; the rest is per attempt. */
export interface AttemptInit {
  readonly method: string
  readonly body: Uint8Array | ReadableStream<Uint8Array> | null
  readonly signal: AbortSignal
  /** Headers the plan adds for every attempt (a WebSocket upgrade). */
  readonly extraHeaders: readonly (readonly [string, string])[]
  /** Headers the runtime's fetch sets itself, never copied from the plan. */
  readonly setByFetch: ReadonlySet<string>
}

const decoder = new TextDecoder()

/**
 * The attempts at the upstream: each one goes to the key and target the exchange names; a
 * failure before a head, or a head another key or target may answer better, moves on to the
 * next while the exchange says so. Returns the response to relay, or how the exchange ended.
 */
export async function sendAttempts(
  upstreamFetch: typeof fetch,
  plan: ForwardPlan,
  shared: AttemptInit,
  exchange: Exchange,
  abort: AbortController,
): Promise<Response | Ending> {
  for (;;) {
    // The exchange keeps the reason: whatever the aborted fetch throws, its first failure wins.
    exchange.attempt({ stop: () => abort.abort() })
    const request = exchange.attemptRequest(plan)
    const url = request.upstream.origin + request.upstreamPath
    // Belt and braces: the policy only ever appends a checked path to the configured origin.
    if (new URL(url).origin !== request.upstream.origin)
      return exchange.failed(new OxyError('invalid_path', 'The path would leave the upstream.'))
    const headers = [
      ...request.headers.filter(([name]) => !shared.setByFetch.has(name.toLowerCase())),
      ...shared.extraHeaders,
    ]
    let response: Response
    try {
      response = await upstreamFetch(url, {
        method: shared.method,
        headers: toHeadersInit(headers),
        body: shared.body,
        redirect: 'manual',
        signal: shared.signal,
        // Required by Node's fetch for a streamed request body; ignored elsewhere.
        duplex: 'half',
      } as RequestInit & { duplex: 'half' })
    } catch (caught) {
      if (exchange.judgeError(caught)) continue
      return exchange.failed(caught)
    }
    const judged = await judge(response, exchange)
    if (judged) return judged
  }
}

/** The response to relay, or undefined when it was dropped for the next attempt. */
async function judge(response: Response, exchange: Exchange): Promise<Response | undefined> {
  const headers = [...response.headers]
  if (!exchange.wantsErrorBody(response.status)) {
    if (!exchange.judgeHead(response.status, headers)) return response
    response.body?.cancel().catch(() => {})
    return undefined
  }
  const reader = response.body?.getReader()
  const held: Uint8Array[] = []
  let size = 0
  let done = !reader
  while (!done && size < ERROR_BODY_PEEK_BYTES) {
    const next = await reader!.read().catch(() => ({ done: true, value: undefined }))
    done = next.done
    if (next.value) {
      held.push(next.value)
      size += next.value.byteLength
    }
  }
  const text = held.map((chunk) => decoder.decode(chunk, { stream: true })).join('')
  if (exchange.judgeHead(response.status, headers, text)) {
    reader?.cancel().catch(() => {})
    return undefined
  }
  // Relayed as it came: the bytes held, then the rest of the stream.
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of held) controller.enqueue(chunk)
      if (done) controller.close()
    },
    async pull(controller) {
      const next = await reader!.read()
      if (next.done) controller.close()
      else controller.enqueue(next.value)
    },
    cancel: (reason) => reader?.cancel(reason),
  })
  return new Response(response.body ? body : null, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  })
}
