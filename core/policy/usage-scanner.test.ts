import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createUsageScanner, USAGE_TAIL_BYTES } from './usage-scanner'

const encoder = new TextEncoder()

function scan(body: string, contentType: string, cuts: number[] = [], encoding?: string) {
  const scanner = createUsageScanner(contentType, encoding)
  if (!scanner) return 'unscannable'
  const bytes = encoder.encode(body)
  let from = 0
  for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b), bytes.length]) {
    const chunk = bytes.slice(from, cut)
    scanner.push(chunk)
    chunk.fill(0) // the engine may reuse a chunk's memory once written
    from = cut
  }
  return scanner.finish()
}

const sse = (...events: unknown[]) => events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join('')

const CHAT_STREAM = `${sse(
  {
    id: 'c',
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta: { content: 'Hi "usage": {' } }],
    usage: null,
  },
  {
    id: 'c',
    object: 'chat.completion.chunk',
    choices: [],
    usage: { prompt_tokens: 12, completion_tokens: 34, total_tokens: 46 },
  },
)}data: [DONE]\n\n`

const RESPONSES_STREAM = [
  'event: response.created\n',
  `data: ${JSON.stringify({ type: 'response.created', response: { id: 'r', usage: null } })}\n\n`,
  'event: response.output_text.delta\n',
  `data: ${JSON.stringify({ type: 'response.output_text.delta', delta: 'usage' })}\n\n`,
  'event: response.completed\n',
  `data: ${JSON.stringify({ type: 'response.completed', response: { id: 'r', output: [{ content: [{ text: 'x'.repeat(5000) }] }], usage: { input_tokens: 7, output_tokens: 9, input_tokens_details: { cached_tokens: 3 } } } })}\n\n`,
].join('')

const ANTHROPIC_STREAM = [
  'event: message_start\n',
  `data: ${JSON.stringify({ type: 'message_start', message: { id: 'm', usage: { input_tokens: 25, cache_read_input_tokens: 100, output_tokens: 1 } } })}\r\n\r\n`,
  'event: content_block_delta\n',
  `data: ${JSON.stringify({ type: 'content_block_delta', delta: { type: 'text_delta', text: 'Hello' } })}\n\n`,
  'event: message_delta\n',
  `data: ${JSON.stringify({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 15 } })}\n\n`,
  'event: message_stop\ndata: {"type":"message_stop"}\n\n',
].join('')

describe('createUsageScanner', () => {
  it('should read a JSON body usage: chat, Responses, Anthropic, Gemini', () => {
    const json = 'application/json'
    expect(
      scan(JSON.stringify({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 6 } }), json),
    ).toEqual({
      promptTokens: 5,
      completionTokens: 6,
    })
    expect(
      scan(JSON.stringify({ object: 'response', usage: { input_tokens: 1, output_tokens: 2 } }), json),
    ).toEqual({
      promptTokens: 1,
      completionTokens: 2,
    })
    expect(
      scan(
        JSON.stringify({
          type: 'message',
          usage: { input_tokens: 3, cache_creation_input_tokens: 10, output_tokens: 4 },
        }),
        json,
      ),
    ).toEqual({ promptTokens: 13, completionTokens: 4 })
    expect(
      scan(
        JSON.stringify({
          usageMetadata: { promptTokenCount: 8, candidatesTokenCount: 2, thoughtsTokenCount: 5 },
        }),
        json,
      ),
    ).toEqual({
      promptTokens: 8,
      completionTokens: 7,
    })
    expect(
      scan(JSON.stringify({ object: 'list', data: [], usage: { prompt_tokens: 9, total_tokens: 9 } }), json),
    ).toEqual({
      promptTokens: 9,
      completionTokens: undefined,
    })
  })

  it('should read a small JSON answer the same whether it comes whole or cut anywhere', () => {
    // Usage first (Anthropic's order) or last, with text that is not ASCII: a first small chunk is
    // kept as text, and must join the bytes that follow it when the answer continues.
    const answers = [
      {
        usage: { input_tokens: 11, output_tokens: 22 },
        content: [{ type: 'text', text: '你好，世界 — déjà' }],
      },
      {
        choices: [{ message: { content: '你好，世界 — déjà' } }],
        usage: { prompt_tokens: 11, completion_tokens: 22 },
      },
    ]
    fc.assert(
      fc.property(
        fc.constantFrom(...answers),
        fc.array(fc.nat({ max: 300 }), { maxLength: 3 }),
        (answer, cuts) => {
          expect(scan(JSON.stringify(answer), 'application/json', cuts)).toEqual({
            promptTokens: 11,
            completionTokens: 22,
          })
        },
      ),
    )
  })

  it('should read a whole JSON answer as a full parse would, wherever its usage key stands', () => {
    const json = 'application/json'
    const usage = (prompt: number, completion: number) => ({
      promptTokens: prompt,
      completionTokens: completion,
    })
    // OpenAI's order: members after the usage, a nested details object inside it.
    const chat = {
      id: 'chatcmpl-1',
      choices: [{ message: { content: 'a } brace and a "quote"' } }],
      usage: { prompt_tokens: 19, completion_tokens: 10, prompt_tokens_details: { cached_tokens: 0 } },
      service_tier: 'default',
      system_fingerprint: 'fp_1',
    }
    expect(scan(JSON.stringify(chat), json)).toEqual(usage(19, 10))
    expect(scan(JSON.stringify({ ...chat, note: '}{ \\" ]' }), json)).toEqual(usage(19, 10))
    // A usage the parse does not read: under a member that is not a response or a message, or in
    // an array, or followed by a string whose brace a careless scan would count.
    expect(
      scan('{"choices":[{"usage":{"prompt_tokens":99,"completion_tokens":1}}],"id":"x"}', json),
    ).toBeUndefined()
    expect(scan('[{"usage":{"prompt_tokens":99,"completion_tokens":1}}]', json)).toBeUndefined()
    expect(scan('{"a":{"usage":{"prompt_tokens":99,"completion_tokens":1},"s":"{"}}', json)).toBeUndefined()
    // One the parse reads under `response`, and two merged in order, the later winning.
    expect(scan('{"type":"done","response":{"usage":{"input_tokens":5,"output_tokens":3}}}', json)).toEqual(
      usage(5, 3),
    )
    const both =
      '{"usage":{"prompt_tokens":1,"completion_tokens":1},"response":{"usage":{"prompt_tokens":7,"completion_tokens":8}}}'
    expect(scan(both, json)).toEqual(usage(7, 8))
  })

  it('should find the usage at the end of a JSON body far larger than what it keeps', () => {
    const embedding = Array.from({ length: 40_000 }, (_, i) => i / 7)
    const body = JSON.stringify({
      data: [{ embedding, note: '"usage": {"prompt_tokens": 999}' }],
      usage: { prompt_tokens: 42, total_tokens: 42 },
    })
    expect(body.length).toBeGreaterThan(USAGE_TAIL_BYTES * 4)
    expect(scan(body, 'application/json; charset=utf-8', [1000, 70_000, 200_000, body.length - 10])).toEqual({
      promptTokens: 42,
      completionTokens: undefined,
    })
  })

  it('should read SSE usage from OpenAI chat, Responses and Anthropic streams, across any chunking', () => {
    const cases: [string, { promptTokens: number; completionTokens: number }][] = [
      [CHAT_STREAM, { promptTokens: 12, completionTokens: 34 }],
      [RESPONSES_STREAM, { promptTokens: 7, completionTokens: 9 }],
      [ANTHROPIC_STREAM, { promptTokens: 125, completionTokens: 15 }],
    ]
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 8000 }), { maxLength: 12 }), (cuts) => {
        for (const [body, usage] of cases)
          expect(scan(body, 'text/event-stream; charset=utf-8', cuts)).toEqual(usage)
      }),
    )
  })

  it('should report nothing when the upstream reported nothing', () => {
    expect(scan(sse({ choices: [{ delta: { content: 'usage' } }] }), 'text/event-stream')).toBeUndefined()
    expect(scan('{"error":{"message":"bad"}}', 'application/json')).toBeUndefined()
    expect(scan('not json "usage": {', 'application/json')).toBeUndefined()
  })

  it('should read a compressed body through the engine decoder, and skip one it cannot decode', () => {
    const body = encoder.encode(JSON.stringify({ usage: { prompt_tokens: 3, completion_tokens: 4 } }))
    const reversed = (bytes: Uint8Array) => bytes.slice().reverse()
    const scanner = createUsageScanner('application/json', 'gzip', (bytes, encoding) =>
      encoding === 'gzip' ? reversed(bytes) : undefined,
    )!
    const sent = reversed(body)
    scanner.push(sent.subarray(0, 10))
    scanner.push(sent.subarray(10))
    expect(scanner.finish()).toEqual({ promptTokens: 3, completionTokens: 4 })
    const unknown = createUsageScanner('application/json', 'zstd', () => undefined)!
    unknown.push(body)
    expect(unknown.finish()).toBeUndefined()
  })

  it('should not scan what it cannot read: compressed bytes without a decoder, audio', () => {
    expect(scan('x', 'application/json', [], 'gzip')).toBe('unscannable')
    expect(scan('x', 'audio/mpeg')).toBe('unscannable')
  })
})
