import { createHash } from 'node:crypto'
import http from 'node:http'
import { performance } from 'node:perf_hooks'
import zlib from 'node:zlib'
import { listenOnLoopback } from './listen-on-loopback'

/**
 * A local HTTP server that behaves like api.openai.com for the routes oxy's tests use, and
 * records what reached it. Timing is real: SSE chunks are written with real delays.
 */

export const SSE_TOKENS = ['Hello', ' from', ' the', ' fake', ' upstream']
export const DEFAULT_CHUNK_DELAY_MS = 80

export interface ReceivedRequest {
  readonly method: string
  readonly url: string
  readonly rawHeaders: readonly string[]
  readonly headers: http.IncomingHttpHeaders
  body: Buffer
  /** performance.now() when the first body byte arrived, to tell streaming from buffering. */
  firstChunkAt: number | undefined
  /** Resolves when the exchange ends; `aborted` when the proxy closed it before the response finished. */
  readonly done: Promise<{ aborted: boolean }>
}

export interface FakeOpenAI {
  readonly url: string
  readonly port: number
  readonly received: ReceivedRequest[]
  /** The last request that reached a path starting with `prefix`. */
  last(prefix?: string): ReceivedRequest
  close(): Promise<void>
}

/** Deterministic "audio": an ID3 header and every byte value, so any re-encoding shows. */
export const SPEECH_BYTES: Buffer = (() => {
  const body = Buffer.alloc(96 * 1024)
  for (let i = 0; i < body.length; i++) body[i] = (i * 31 + (i >> 8)) & 0xff
  Buffer.from('ID3\u0004\u0000\u0000').copy(body)
  return body
})()

export const MODELS = {
  object: 'list',
  data: [
    { id: 'gpt-4o-mini', object: 'model', created: 1721172741, owned_by: 'system' },
    { id: 'gpt-4o', object: 'model', created: 1715367049, owned_by: 'system' },
  ],
}

/** Route handlers return nothing; the type lets them `return sendJson(...)` to end a branch. */
type Handled = undefined

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const received: ReceivedRequest[] = []
  const server = http.createServer(async (req, res) => {
    let settle: (value: { aborted: boolean }) => void = () => {}
    const record: ReceivedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      rawHeaders: req.rawHeaders,
      headers: req.headers,
      body: Buffer.alloc(0),
      firstChunkAt: undefined,
      done: new Promise((resolve) => {
        settle = resolve
      }),
    }
    received.push(record)
    res.once('close', () => settle({ aborted: !res.writableFinished }))
    const chunks: Buffer[] = []
    try {
      for await (const chunk of req) {
        record.firstChunkAt ??= performance.now()
        chunks.push(chunk as Buffer)
      }
    } catch {
      return
    }
    record.body = Buffer.concat(chunks)
    route(req, res, record.body)
  })
  const listening = await listenOnLoopback(server)
  return {
    url: listening.url,
    port: listening.port,
    received,
    last(prefix = '/') {
      const match = received.findLast((r) => r.url.startsWith(prefix))
      if (!match) throw new Error(`fake upstream received nothing under ${prefix}`)
      return match
    },
    close: listening.close,
  }
}

function route(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Handled {
  const url = new URL(req.url ?? '/', 'http://fake')
  // Azure OpenAI's shapes: /openai/deployments/<name>/<operation> and /openai/<operation>.
  const path = url.pathname
    .replace(/^\/openai\/deployments\/[^/]+(?=\/)/, '/v1')
    .replace(/^\/openai(?=\/)/, '')
  setCommonHeaders(res)
  if (req.method === 'GET' && path === '/v1/models') return sendJson(req, res, 200, MODELS)
  if (req.method === 'POST' && path === '/v1/chat/completions') return chat(req, res, parseJson(body), url)
  if (req.method === 'POST' && path === '/v1/audio/speech') {
    res.writeHead(200, { 'Content-Type': 'audio/mpeg', 'Content-Length': SPEECH_BYTES.length })
    res.end(SPEECH_BYTES)
    return
  }
  if (req.method === 'POST' && path === '/v1/audio/transcriptions') return transcription(req, res, body)
  if (path === '/fake/echo') {
    return sendJson(req, res, 200, {
      method: req.method,
      url: req.url,
      rawHeaders: req.rawHeaders,
      bodyBytes: body.length,
      bodySha256: sha256(body),
    })
  }
  if (path === '/fake/reset-before-headers') {
    req.socket.destroy()
    return
  }
  if (path === '/fake/slow-first-byte') {
    const timer = setTimeout(
      () => sendJson(req, res, 200, { ok: true }),
      Number(url.searchParams.get('ms') ?? 1000),
    )
    res.once('close', () => clearTimeout(timer))
    return
  }
  if (path === '/fake/stream') return stream(res, url)
  if (path === '/fake/gzip') {
    const payload = zlib.gzipSync(Buffer.from(JSON.stringify({ compressed: true, filler: 'x'.repeat(2000) })))
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Content-Encoding': 'gzip',
      'Content-Length': payload.length,
    })
    res.end(payload)
    return
  }
  sendJson(req, res, 404, {
    error: {
      message: `Invalid URL (${req.method} ${url.pathname})`,
      type: 'invalid_request_error',
      param: null,
      code: null,
    },
  })
}

function chat(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Record<string, unknown>,
  url: URL,
): Handled {
  const model = String(body.model ?? '')
  if (model === 'fake-401') {
    return sendJson(req, res, 401, {
      error: {
        message: 'Incorrect API key provided: sk-bad.',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    })
  }
  if (model === 'fake-429') {
    res.setHeader('Retry-After', '0')
    res.setHeader('x-ratelimit-remaining-requests', '0')
    res.setHeader('x-ratelimit-reset-requests', '1s')
    return sendJson(req, res, 429, {
      error: {
        message: 'Rate limit reached for requests',
        type: 'requests',
        param: null,
        code: 'rate_limit_exceeded',
      },
    })
  }
  if (model === 'fake-region') {
    return sendJson(req, res, 403, {
      error: {
        message: 'Country, region, or territory not supported',
        type: 'request_forbidden',
        param: null,
        code: 'unsupported_country_region_territory',
      },
    })
  }
  if (body.stream === true) {
    url.searchParams.set('chunks', url.searchParams.get('chunks') ?? String(SSE_TOKENS.length))
    return stream(res, url, model)
  }
  sendJson(req, res, 200, {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: SSE_TOKENS.join(''), refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 },
  })
}

/**
 * SSE shaped like OpenAI's chat.completion.chunk stream. Query: chunks (count), delay (ms between
 * chunks), reset (destroy the socket after that many chunks), stall (stop sending after that many).
 */
function stream(res: http.ServerResponse, url: URL, model = 'gpt-4o-mini'): Handled {
  const count = Number(url.searchParams.get('chunks') ?? 5)
  const delay = Number(url.searchParams.get('delay') ?? DEFAULT_CHUNK_DELAY_MS)
  const resetAfter = url.searchParams.has('reset') ? Number(url.searchParams.get('reset')) : undefined
  const stallAfter = url.searchParams.has('stall') ? Number(url.searchParams.get('stall')) : undefined
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache' })
  res.flushHeaders()
  let sent = 0
  const timer = setInterval(() => {
    if (resetAfter !== undefined && sent >= resetAfter) {
      clearInterval(timer)
      res.socket?.destroy()
      return
    }
    if (stallAfter !== undefined && sent >= stallAfter) return
    if (sent >= count) {
      clearInterval(timer)
      res.end('data: [DONE]\n\n')
      return
    }
    const token = SSE_TOKENS[sent % SSE_TOKENS.length]
    const chunk = {
      id: 'chatcmpl-fake',
      object: 'chat.completion.chunk',
      created: 1_700_000_000,
      model,
      choices: [{ index: 0, delta: { content: token }, logprobs: null, finish_reason: null }],
    }
    res.write(`data: ${JSON.stringify(chunk)}\n\n`)
    sent++
  }, delay)
  res.once('close', () => clearInterval(timer))
}

function transcription(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Handled {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(req.headers['content-type'] ?? '')
  if (!boundary)
    return sendJson(req, res, 400, {
      error: {
        message: 'expected multipart/form-data',
        type: 'invalid_request_error',
        param: null,
        code: null,
      },
    })
  const parts = parseMultipart(body, boundary[1] ?? boundary[2] ?? '')
  const file = parts.find((part) => part.name === 'file')
  sendJson(req, res, 200, {
    text: `received ${file?.data.length ?? 0} bytes`,
    file_bytes: file?.data.length ?? 0,
    file_sha256: file ? sha256(file.data) : null,
    model: parts.find((part) => part.name === 'model')?.data.toString() ?? null,
  })
}

function parseMultipart(body: Buffer, boundary: string): { name: string; data: Buffer }[] {
  const delimiter = Buffer.from(`--${boundary}`)
  const parts: { name: string; data: Buffer }[] = []
  let start = body.indexOf(delimiter)
  while (start !== -1) {
    const next = body.indexOf(delimiter, start + delimiter.length)
    if (next === -1) break
    const part = body.subarray(start + delimiter.length + 2, next - 2)
    const headerEnd = part.indexOf('\r\n\r\n')
    const head = part.subarray(0, headerEnd).toString()
    const name = /name="([^"]+)"/.exec(head)?.[1] ?? ''
    parts.push({ name, data: part.subarray(headerEnd + 4) })
    start = next
  }
  return parts
}

function sendJson(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  value: unknown,
): Handled {
  const json = Buffer.from(JSON.stringify(value))
  // Like OpenAI: JSON bodies come gzipped to clients that accept it.
  if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) && json.length > 100) {
    const gz = zlib.gzipSync(json)
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Encoding': 'gzip',
      'Content-Length': gz.length,
    })
    res.end(gz)
    return
  }
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': json.length })
  res.end(json)
}

function setCommonHeaders(res: http.ServerResponse): void {
  res.setHeader('x-request-id', 'req_fake123')
  res.setHeader('openai-processing-ms', '7')
  res.setHeader('Access-Control-Allow-Origin', '*')
}

function parseJson(body: Buffer): Record<string, unknown> {
  try {
    return JSON.parse(body.toString()) as Record<string, unknown>
  } catch {
    return {}
  }
}

export function sha256(data: Buffer | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}
