import http from 'node:http'
import { sha256 } from './fake-openai'
import { listenOnLoopback } from './listen-on-loopback'

/**
 * An upstream that answers by the key it is called with, as OpenAI does for a team's pool of
 * keys: one revoked (401 invalid_api_key), one out of credit (429 insufficient_quota), one on an
 * overloaded project (503), the good one. It serves OpenAI chat (JSON and SSE with usage), the
 * Responses API stream, Anthropic Messages streams, and a stream that dies after its head.
 */
export const KEY_REVOKED = 'sk-revoked-000000000000000000000000'
export const KEY_NO_QUOTA = 'sk-noquota-000000000000000000000000'
export const KEY_OVERLOADED = 'sk-overloaded-0000000000000000000000'
export const KEY_GOOD = 'sk-good-0000000000000000000000000000'
/** Calls from a region OpenAI does not serve: no other key can help. */
export const KEY_WRONG_REGION = 'sk-region-00000000000000000000000000'
/** Answers 200 with a head and one chunk, then resets the connection. */
export const KEY_DIES_AFTER_HEAD = 'sk-dies-000000000000000000000000000'

/** A chat stream for this model sends its first event, then waits for `releaseHeld()` (or HELD_MAX_MS) before the rest. */
export const MODEL_HELD = 'gpt-held-after-first-event'
const HELD_MAX_MS = 3_000
export const CHAT_TEXT = 'Hello from the good key'
export const USAGE = { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 }

export interface KeyedCall {
  readonly path: string
  readonly key: string | undefined
  readonly rawHeaders: readonly string[]
  readonly bodySha: string
  readonly bodyLength: number
}

export interface FakeKeyedUpstream {
  readonly url: string
  readonly calls: KeyedCall[]
  /** How many calls used this key. */
  hits(key: string): number
  /** Whether a MODEL_HELD stream has sent its first event and still holds the rest. */
  holding(): boolean
  /** Lets every held stream send the rest. */
  releaseHeld(): void
  close(): Promise<void>
}

export async function startFakeKeyedUpstream(): Promise<FakeKeyedUpstream> {
  const calls: KeyedCall[] = []
  const held = new Set<() => void>()
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks)
    const key =
      (req.headers['x-api-key'] as string | undefined) ?? req.headers.authorization?.replace(/^Bearer /, '')
    const path = new URL(req.url ?? '/', 'http://fake').pathname
    calls.push({ path, key, rawHeaders: req.rawHeaders, bodySha: sha256(body), bodyLength: body.length })
    answer(req, res, key, path, body, held)
  })
  const listening = await listenOnLoopback(server)
  return {
    url: listening.url,
    calls,
    hits: (key) => calls.filter((call) => call.key === key).length,
    holding: () => held.size > 0,
    releaseHeld: () => {
      for (const release of held) release()
    },
    close: listening.close,
  }
}

function error(res: http.ServerResponse, status: number, code: string, headers: Record<string, string> = {}) {
  const body = JSON.stringify({ error: { message: `fake ${code}`, type: 'error', param: null, code } })
  res.writeHead(status, { 'Content-Type': 'application/json', 'x-request-id': `req_${code}`, ...headers })
  res.end(body)
}

function answer(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  key: string | undefined,
  path: string,
  body: Buffer,
  held: Set<() => void>,
) {
  if (key === KEY_REVOKED) return error(res, 401, 'invalid_api_key')
  if (key === KEY_NO_QUOTA) return error(res, 429, 'insufficient_quota')
  if (key === KEY_WRONG_REGION) return error(res, 403, 'unsupported_country_region_territory')
  if (key === KEY_OVERLOADED) return error(res, 503, 'overloaded', { 'retry-after': '1' })
  if (key === KEY_DIES_AFTER_HEAD) {
    res.writeHead(200, { 'Content-Type': 'text/event-stream' })
    res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'Hel' } }] })}\n\n`)
    setTimeout(() => req.socket.destroy(), 50)
    return
  }
  if (key !== KEY_GOOD) return error(res, 401, 'invalid_api_key')
  let request: { stream?: boolean; model?: string } = {}
  try {
    request = JSON.parse(body.toString('utf8'))
  } catch {}
  const model = request.model ?? 'unknown'
  if (path === '/v1/chat/completions' && !request.stream) {
    res.writeHead(200, { 'Content-Type': 'application/json' })
    return res.end(
      JSON.stringify({
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 1,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: CHAT_TEXT }, finish_reason: 'stop' }],
        usage: USAGE,
      }),
    )
  }
  if (path === '/v1/chat/completions' && model === MODEL_HELD) return heldStream(res, chatEvents(model), held)
  if (path === '/v1/chat/completions') return stream(res, chatEvents(model))
  if (path === '/v1/responses') return stream(res, responsesEvents(model))
  if (path === '/v1/messages') return stream(res, anthropicEvents(model))
  if (path === '/v1/models') {
    res.writeHead(200, { 'Content-Type': 'application/json' })
    return res.end(
      JSON.stringify({
        object: 'list',
        data: [{ id: 'gpt-4o-mini', object: 'model', created: 0, owned_by: 'x' }],
      }),
    )
  }
  return error(res, 404, 'not_found')
}

/** Writes SSE events a few milliseconds apart, as a model does. */
function stream(res: http.ServerResponse, events: readonly string[]) {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' })
  let i = 0
  const next = () => {
    if (res.destroyed) return
    if (i === events.length) return void res.end()
    res.write(events[i++])
    setTimeout(next, 5)
  }
  next()
}

/** The first event at once; the rest when released, or after HELD_MAX_MS, so a test that waits in vain still ends. */
function heldStream(res: http.ServerResponse, events: readonly string[], held: Set<() => void>) {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' })
  const [first, ...rest] = events
  res.write(first)
  const release = () => {
    held.delete(release)
    clearTimeout(timer)
    if (!res.destroyed) res.end(rest.join(''))
  }
  const timer = setTimeout(release, HELD_MAX_MS)
  held.add(release)
}

const data = (value: unknown, event?: string) =>
  `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(value)}\n\n`

function chatEvents(model: string): string[] {
  const words = CHAT_TEXT.split(/(?= )/)
  return [
    ...words.map((word) =>
      data({
        id: 'c',
        object: 'chat.completion.chunk',
        model,
        choices: [{ index: 0, delta: { content: word } }],
        usage: null,
      }),
    ),
    data({ id: 'c', object: 'chat.completion.chunk', model, choices: [], usage: USAGE }),
    'data: [DONE]\n\n',
  ]
}

function responsesEvents(model: string): string[] {
  const response = { id: 'resp_1', object: 'response', model, status: 'in_progress', output: [], usage: null }
  return [
    data({ type: 'response.created', sequence_number: 0, response }, 'response.created'),
    data(
      {
        type: 'response.output_text.delta',
        sequence_number: 1,
        item_id: 'msg_1',
        output_index: 0,
        content_index: 0,
        delta: CHAT_TEXT,
      },
      'response.output_text.delta',
    ),
    data(
      {
        type: 'response.completed',
        sequence_number: 2,
        response: {
          ...response,
          status: 'completed',
          output: [
            {
              type: 'message',
              id: 'msg_1',
              role: 'assistant',
              status: 'completed',
              content: [{ type: 'output_text', text: CHAT_TEXT, annotations: [] }],
            },
          ],
          usage: {
            input_tokens: 21,
            output_tokens: 5,
            total_tokens: 26,
            input_tokens_details: { cached_tokens: 0 },
            output_tokens_details: { reasoning_tokens: 0 },
          },
        },
      },
      'response.completed',
    ),
  ]
}

function anthropicEvents(model: string): string[] {
  return [
    data(
      {
        type: 'message_start',
        message: {
          id: 'msg_1',
          type: 'message',
          role: 'assistant',
          model,
          content: [],
          usage: { input_tokens: 30, cache_read_input_tokens: 4, output_tokens: 1 },
        },
      },
      'message_start',
    ),
    data(
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      'content_block_start',
    ),
    data(
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: CHAT_TEXT } },
      'content_block_delta',
    ),
    data({ type: 'content_block_stop', index: 0 }, 'content_block_stop'),
    data(
      { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 9 } },
      'message_delta',
    ),
    data({ type: 'message_stop' }, 'message_stop'),
  ]
}
