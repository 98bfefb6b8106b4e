import { concatBytes } from './bytes'
import { findLastUsageObject, isObject, soleTopLevelUsage } from './json-usage-text'
/**
 * Token usage read from a response as its bytes pass, without changing, delaying or keeping the
 * stream. Upstreams report usage in a few shapes, all mapped to OpenAI's two names:
 * - OpenAI chat/completions/embeddings: `usage.prompt_tokens`, `usage.completion_tokens`
 *   (streams: the last chunk, with `stream_options.include_usage`);
 * - OpenAI Responses: `usage.input_tokens`, `usage.output_tokens` (streams: `response.completed`);
 * - Anthropic Messages: `usage.input_tokens` (+ cache creation and cache reads, which it counts
 *   apart), `usage.output_tokens` (streams: `message_start`, then `message_delta`);
 * - Gemini: `usageMetadata.promptTokenCount`, `candidatesTokenCount` + `thoughtsTokenCount`.
 */

export interface TokenUsage {
  readonly promptTokens: number | undefined
  readonly completionTokens: number | undefined
}

/** A JSON body's usage sits at its end; this much of the end is kept to find it. */
export const USAGE_TAIL_BYTES = 64 * 1024
/** An SSE line longer than this (a Responses API `response.completed` of a very long answer) is skipped. */
export const USAGE_LINE_MAX_BYTES = 1024 * 1024

type RawUsage = Partial<Record<(typeof FIELDS)[number], number>>
const FIELDS = [
  'prompt_tokens',
  'completion_tokens',
  'input_tokens',
  'output_tokens',
  'cache_creation_input_tokens',
  'cache_read_input_tokens',
  'promptTokenCount',
  'candidatesTokenCount',
  'thoughtsTokenCount',
] as const
const NEWLINE = 0x0a
const decoder = new TextDecoder()

export interface UsageScanner {
  push(chunk: Uint8Array): void
  /** The usage seen, once the body ended; undefined when the upstream reported none. */
  finish(): TokenUsage | undefined
}

/** Compressed bytes kept to decode at the end; a larger compressed body's usage is not read. */
export const COMPRESSED_USAGE_MAX_BYTES = 256 * 1024

/** Decodes a whole compressed body (the engine's, where it has zlib); undefined when it cannot. */
export type DecodeBody = (bytes: Uint8Array, encoding: string) => Uint8Array | undefined

/**
 * A scanner for a response of this type, or undefined when its usage cannot be read (not JSON
 * or SSE; compressed bytes without a decoder or over COMPRESSED_USAGE_MAX_BYTES).
 */
export function createUsageScanner(
  contentType: string | undefined,
  contentEncoding: string | undefined,
  decode?: DecodeBody,
): UsageScanner | undefined {
  const encoding = contentEncoding === undefined ? '' : contentEncoding.trim().toLowerCase()
  const type = (contentType ?? '').toLowerCase()
  const plain = () =>
    type.startsWith('text/event-stream')
      ? new SseUsageScanner()
      : type.includes('json')
        ? new JsonUsageScanner()
        : undefined
  if (encoding === '' || encoding === 'identity') return plain()
  if (!decode || !plain()) return undefined
  return new CompressedUsageScanner(encoding, decode, plain)
}

/** Keeps the compressed bytes (bounded) and reads them decoded once the body ended. */
class CompressedUsageScanner implements UsageScanner {
  private chunks: Uint8Array[] | undefined = []
  private size = 0

  constructor(
    private readonly encoding: string,
    private readonly decode: DecodeBody,
    private readonly inner: () => UsageScanner | undefined,
  ) {}

  push(chunk: Uint8Array): void {
    if (!this.chunks) return
    this.size += chunk.length
    if (this.size > COMPRESSED_USAGE_MAX_BYTES) this.chunks = undefined
    else this.chunks.push(chunk.slice())
  }

  finish(): TokenUsage | undefined {
    if (!this.chunks) return undefined
    const all = concatBytes(this.chunks, this.size)
    this.chunks = undefined
    const decoded = this.decode(all, this.encoding)
    const scanner = this.inner()
    if (!decoded || !scanner) return undefined
    scanner.push(decoded)
    return scanner.finish()
  }
}

/**
 * Looks at SSE data lines one at a time; only a line that mentions usage is parsed. A line that
 * lies whole in one chunk is looked at where it lies: copied and decoded only if it is a `data:`
 * line that contains `usage` (one in a stream, usually), so the tokens of a stream pass unread.
 */
class SseUsageScanner implements UsageScanner {
  private readonly raw: RawUsage = {}
  /** Copies of a line that spans chunks, until its end arrives. */
  private pieces: Uint8Array[] = []
  private size = 0
  private skipping = false

  push(chunk: Uint8Array): void {
    let from = 0
    while (from < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, from)
      if (newline === -1) {
        this.keep(chunk, from, chunk.length)
        return
      }
      if (this.size === 0 && !this.skipping) this.readLine(chunk, from, newline)
      else {
        this.keep(chunk, from, newline)
        this.endLine()
      }
      from = newline + 1
    }
  }

  finish(): TokenUsage | undefined {
    this.endLine()
    return toTokenUsage(this.raw)
  }

  /** A line whole in this chunk: parsed in place when it can carry usage. */
  private readLine(chunk: Uint8Array, from: number, to: number): void {
    if (chunk[from] === DATA_D && mentionsUsage(chunk, from, to))
      this.parse(decoder.decode(chunk.subarray(from, to)))
  }

  private keep(chunk: Uint8Array, from: number, to: number): void {
    if (this.skipping || to === from) return
    // Only `data:` lines can carry usage; anything else is let go at its first byte.
    if (this.size === 0 && chunk[from] !== DATA_D) {
      this.skipping = true
      return
    }
    this.size += to - from
    if (this.size > USAGE_LINE_MAX_BYTES) {
      this.skipping = true
      this.pieces = []
      return
    }
    // A copy: the engine may reuse the chunk's memory once it is written.
    this.pieces.push(chunk.slice(from, to))
  }

  private endLine(): void {
    const pieces = this.pieces
    const skipped = this.skipping
    this.pieces = []
    this.size = 0
    this.skipping = false
    if (skipped || pieces.length === 0) return
    const line =
      pieces.length === 1
        ? decoder.decode(pieces[0])
        : pieces.map((p) => decoder.decode(p, { stream: true })).join('') + decoder.decode()
    if (line.includes('usage')) this.parse(line)
  }

  private parse(line: string): void {
    if (!line.startsWith('data:')) return
    try {
      mergeEvent(this.raw, JSON.parse(line.slice(5)))
    } catch {}
  }
}

const DATA_D = 0x64 // d
const USAGE = [0x75, 0x73, 0x61, 0x67, 0x65] // usage

/** Whether `usage` occurs in chunk[from, to) (also as part of usageMetadata), without decoding. */
function mentionsUsage(chunk: Uint8Array, from: number, to: number): boolean {
  for (let at = chunk.indexOf(USAGE[0]!, from); at !== -1 && at + USAGE.length <= to; ) {
    if (USAGE.every((byte, i) => chunk[at + i] === byte)) return true
    at = chunk.indexOf(USAGE[0]!, at + 1)
  }
  return false
}

/** A JSON answer that comes in one chunk this small is kept as text, not copied into a buffer. */
const SMALL_JSON_BYTES = 4096
const NO_BYTES = new Uint8Array(0)
const encoder = new TextEncoder()

/**
 * Keeps the last USAGE_TAIL_BYTES of the body in one reused buffer, grown only as far as the
 * body needs; parses them at the end. Most JSON answers are a few hundred bytes in one chunk:
 * those are kept as the text they will be parsed as, which costs no buffer of their own.
 */
class JsonUsageScanner implements UsageScanner {
  private buffer = NO_BYTES
  private length = 0
  private total = 0
  private small: string | undefined

  push(chunk: Uint8Array): void {
    if (this.total === 0 && this.small === undefined && chunk.length <= SMALL_JSON_BYTES) {
      this.small = decoder.decode(chunk)
      return
    }
    if (this.small !== undefined) {
      // Its bytes again. A character the chunk cut in two came back as U+FFFD, inside a string:
      // every character JSON's structure uses is ASCII, so the usage read is the same.
      const text = this.small
      this.small = undefined
      this.pushBytes(encoder.encode(text))
    }
    this.pushBytes(chunk)
  }

  private pushBytes(chunk: Uint8Array): void {
    this.total += chunk.length
    if (chunk.length >= USAGE_TAIL_BYTES) {
      this.reserve(USAGE_TAIL_BYTES)
      this.buffer.set(chunk.subarray(chunk.length - USAGE_TAIL_BYTES))
      this.length = USAGE_TAIL_BYTES
      return
    }
    if (this.length + chunk.length > USAGE_TAIL_BYTES * 2) {
      this.buffer.copyWithin(0, this.length - USAGE_TAIL_BYTES, this.length)
      this.length = USAGE_TAIL_BYTES
    }
    this.reserve(this.length + chunk.length)
    this.buffer.set(chunk, this.length)
    this.length += chunk.length
  }

  private reserve(size: number): void {
    if (size <= this.buffer.length) return
    const grown = new Uint8Array(Math.min(Math.max(size, this.buffer.length * 2, 1024), USAGE_TAIL_BYTES * 2))
    grown.set(this.buffer.subarray(0, this.length))
    this.buffer = grown
  }

  finish(): TokenUsage | undefined {
    const small = this.small
    const text = small ?? decoder.decode(this.buffer.subarray(0, this.length))
    const raw: RawUsage = {}
    if (small !== undefined || this.total === this.length) {
      const sole = soleTopLevelUsage(text)
      if (sole) {
        mergeUsage(raw, sole)
        return toTokenUsage(raw)
      }
      try {
        mergeEvent(raw, JSON.parse(text))
        return toTokenUsage(raw)
      } catch {}
    }
    const usage = findLastUsageObject(text)
    if (usage) mergeUsage(raw, usage)
    return toTokenUsage(raw)
  }
}

/** Where each API puts usage in an event or body. */
function mergeEvent(raw: RawUsage, event: unknown): void {
  if (!isObject(event)) return
  mergeHolder(raw, event)
  mergeHolder(raw, event.response)
  mergeHolder(raw, event.message)
}

function mergeHolder(raw: RawUsage, holder: unknown): void {
  if (!isObject(holder)) return
  if (isObject(holder.usage)) mergeUsage(raw, holder.usage)
  if (isObject(holder.usageMetadata)) mergeUsage(raw, holder.usageMetadata)
}

/** Later reports win field by field: Anthropic's message_delta carries the final output count. */
function mergeUsage(raw: RawUsage, usage: Record<string, unknown>): void {
  for (const field of FIELDS) {
    const value = usage[field]
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) raw[field] = value
  }
}

function toTokenUsage(raw: RawUsage): TokenUsage | undefined {
  const promptTokens =
    raw.prompt_tokens ??
    sum(raw.input_tokens, raw.cache_creation_input_tokens, raw.cache_read_input_tokens) ??
    raw.promptTokenCount
  const completionTokens =
    raw.completion_tokens ?? raw.output_tokens ?? sum(raw.candidatesTokenCount, raw.thoughtsTokenCount)
  if (promptTokens === undefined && completionTokens === undefined) return undefined
  return { promptTokens, completionTokens }
}

/** The sum of the counts reported; undefined when none was. */
function sum(a: number | undefined, b: number | undefined, c?: number): number | undefined {
  if (a === undefined && b === undefined && c === undefined) return undefined
  return (a ?? 0) + (b ?? 0) + (c ?? 0)
}
