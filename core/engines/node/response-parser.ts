/**
 * An incremental HTTP/1.1 response parser for the upstream side (RFC 9112), written for a proxy:
 * it hands body bytes on as they arrive (no buffering, no re-encoding), and it is strict about
 * framing, because a keep-alive connection that mis-frames one response would deliver the
 * rest of it to the next client. Anything ambiguous is an error and the connection is closed.
 * https://www.rfc-editor.org/rfc/rfc9112
 */

import { hasBareLf } from './bare-lf'
import { readChunkSize } from './chunk-size'
import { INVALID_VALUE_CHAR, TOKEN } from './field-syntax'

/** Status line plus headers. Node's own limit is 16 KiB; an API answering more is broken. */
export const MAX_HEAD_BYTES = 64 * 1024
/** A chunk-size line with its extensions, or one trailer section. */
const MAX_LINE_BYTES = 8 * 1024

const CRLF = Buffer.from('\r\n')
const CRLFCRLF = Buffer.from('\r\n\r\n')
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: ([\t\x20-\x7e\x80-\xff]*))?$/

/**
 * A malformed or truncated response. `code` follows llhttp's names (ECONNRESET for a truncated
 * one), which the error policy turns into the message the client gets.
 */
export class ResponseParseError extends Error {
  override name = 'ResponseParseError'
  readonly code: string

  constructor(code: string) {
    super(`The upstream's HTTP/1.1 response failed: ${code}`)
    this.code = code
  }
}

export interface ResponseHead {
  readonly status: number
  readonly statusText: string
  /** As received, in order: [name, value, name, value, ...]; values trimmed of OWS. */
  readonly rawHeaders: string[]
  /** Whether the connection may carry another request after this response (RFC 9112 section 9.3). */
  readonly keepAlive: boolean
  /** The server's `Keep-Alive: timeout=N` hint in ms, if it gave one. */
  readonly keepAliveTimeoutMs: number | undefined
}

export interface ResponseParserEvents {
  /** The final response head (1xx interim responses other than 101 are skipped). */
  onHead(head: ResponseHead): void
  onBody(chunk: Buffer): void
}

enum State {
  Head,
  BodyLength,
  BodyUntilClose,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  /** The response is complete; bytes after it are left in `leftover`. */
  Complete,
  /** 101 Switching Protocols, or a 2xx to CONNECT: the bytes after the head are another protocol. */
  Switched,
}

/**
 * One parser per connection, reset with `expect()` before each response. `execute()` throws
 * ResponseParseError on malformed input; after it the parser must not be used again.
 */
export class ResponseParser {
  #events: ResponseParserEvents
  #state = State.Complete
  #method = 'GET'
  /** Unconsumed bytes of a line-oriented state (head, chunk-size line, trailers) split across reads. */
  #pending: Buffer | undefined
  #remaining = 0
  #keepAlive = false
  #receivedAny = false
  leftover: Buffer | undefined

  constructor(events: ResponseParserEvents) {
    this.#events = events
  }

  /** Starts on the response to a request made with `method` (HEAD and CONNECT change the framing). */
  expect(method: string): void {
    this.#method = method
    this.#state = State.Head
    this.#pending = undefined
    this.#receivedAny = false
    this.leftover = undefined
  }

  get complete(): boolean {
    return this.#state === State.Complete
  }

  get switched(): boolean {
    return this.#state === State.Switched
  }

  /** Whether any byte of this response arrived: a stale keep-alive socket fails before any. */
  get receivedAny(): boolean {
    return this.#receivedAny
  }

  /** Whether this response's connection may be reused; meaningful once `complete`. */
  get keepAlive(): boolean {
    return this.#keepAlive && this.leftover === undefined
  }

  execute(input: Buffer): void {
    if (input.length === 0) return
    this.#receivedAny = true
    let data = input
    if (this.#pending) {
      data = Buffer.concat([this.#pending, input])
      this.#pending = undefined
    }
    let offset = 0
    while (offset < data.length) {
      switch (this.#state) {
        case State.Head:
          offset = this.#readHead(data, offset)
          break
        case State.BodyLength:
          offset = this.#readCounted(data, offset, State.Complete)
          break
        case State.BodyUntilClose:
          this.#events.onBody(offset === 0 ? data : data.subarray(offset))
          offset = data.length
          break
        case State.ChunkSize:
          offset = this.#readChunkSize(data, offset)
          break
        case State.ChunkData:
          offset = this.#readCounted(data, offset, State.ChunkDataEnd)
          break
        case State.ChunkDataEnd:
          if (data.length - offset < 2) {
            this.#pending = data.subarray(offset)
            return
          }
          if (data[offset] !== 0x0d || data[offset + 1] !== 0x0a) throw new ResponseParseError('HPE_STRICT')
          offset += 2
          this.#state = State.ChunkSize
          break
        case State.Trailers:
          offset = this.#readTrailers(data, offset)
          break
        case State.Complete:
        case State.Switched:
          this.leftover = data.subarray(offset)
          return
      }
    }
  }

  /**
   * The connection reached end of file. A close-delimited body ends here; any other unfinished
   * response is truncated, which the caller must not pass off as complete.
   */
  finish(): void {
    if (this.#state === State.BodyUntilClose) {
      this.#state = State.Complete
      return
    }
    if (this.#state !== State.Complete && this.#state !== State.Switched)
      throw new ResponseParseError('ECONNRESET')
  }

  /** Up to `#remaining` body bytes (a Content-Length body, or one chunk), then state `next`. */
  #readCounted(data: Buffer, offset: number, next: State): number {
    const end = Math.min(data.length, offset + this.#remaining)
    this.#remaining -= end - offset
    this.#events.onBody(offset === 0 && end === data.length ? data : data.subarray(offset, end))
    if (this.#remaining === 0) this.#state = next
    return end
  }

  #readHead(data: Buffer, offset: number): number {
    const end = data.indexOf(CRLFCRLF, offset)
    // A line ended by a bare LF: its head would never end in CRLFCRLF, and waiting for one
    // held the exchange until the first-byte timeout. Refused (RFC 9112 section 2.2: MAY).
    if (hasBareLf(data, offset, end === -1 ? data.length : end))
      throw new ResponseParseError('HPE_LF_EXPECTED')
    if (end === -1) {
      if (data.length - offset > MAX_HEAD_BYTES) throw new ResponseParseError('HPE_HEADER_OVERFLOW')
      this.#pending = data.subarray(offset)
      return data.length
    }
    if (end - offset > MAX_HEAD_BYTES) throw new ResponseParseError('HPE_HEADER_OVERFLOW')
    this.#parseHead(data.toString('latin1', offset, end))
    return end + 4
  }

  #parseHead(text: string): void {
    const lines = text.split('\r\n')
    const status = STATUS_LINE.exec(lines[0] ?? '')
    const code = Number(status?.[2])
    // RFC 9110 section 15: statuses outside 100-599 are invalid, to be treated as a 5xx.
    if (!status || code < 100 || code > 599) throw new ResponseParseError('HPE_INVALID_CONSTANT')
    const http10 = status[1] === '0'
    const rawHeaders: string[] = []
    let contentLength: string | undefined
    let transferEncoding: string | undefined
    let connection = ''
    let keepAliveHint: string | undefined
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!
      const colon = line.indexOf(':')
      const name = colon > 0 ? line.slice(0, colon) : ''
      // Also refuses obs-fold (a line starting with whitespace), deprecated by RFC 9112 section 5.2.
      if (!TOKEN.test(name)) throw new ResponseParseError('HPE_INVALID_HEADER_TOKEN')
      const value = trimOws(line.slice(colon + 1))
      if (INVALID_VALUE_CHAR.test(value)) throw new ResponseParseError('HPE_INVALID_HEADER_TOKEN')
      rawHeaders.push(name, value)
      switch (name.length) {
        case 10: {
          const lower = name.toLowerCase()
          if (lower === 'connection') connection += `,${value.toLowerCase()}`
          else if (lower === 'keep-alive') keepAliveHint = value
          break
        }
        case 14:
          if (name.toLowerCase() === 'content-length')
            contentLength = contentLength === undefined ? value : `${contentLength},${value}`
          break
        case 17:
          if (name.toLowerCase() === 'transfer-encoding')
            transferEncoding = transferEncoding === undefined ? value : `${transferEncoding},${value}`
          break
      }
    }

    // Interim responses (100 Continue, 103 Early Hints) precede the real one: skip them.
    if (code >= 100 && code < 200 && code !== 101) {
      this.#state = State.Head
      return
    }
    const tokens = connection === '' ? [] : connection.split(',').map(trimOws)
    this.#keepAlive = http10 ? tokens.includes('keep-alive') : !tokens.includes('close')
    // Framing is checked before the head is handed on: a response refused for its framing must
    // still be answerable with an error, not with half of itself.
    this.#frameBody(code, contentLength, transferEncoding)
    this.#events.onHead({
      status: code,
      statusText: status[3] ?? '',
      rawHeaders,
      keepAlive: this.#keepAlive,
      keepAliveTimeoutMs: parseKeepAliveTimeout(keepAliveHint),
    })
  }

  /** RFC 9112 section 6.3, in its order. */
  #frameBody(status: number, contentLength: string | undefined, transferEncoding: string | undefined): void {
    if (status === 101 || (this.#method === 'CONNECT' && status >= 200 && status < 300)) {
      this.#keepAlive = false
      this.#state = State.Switched
      return
    }
    if (this.#method === 'HEAD' || status === 204 || status === 304) {
      this.#state = State.Complete
      return
    }
    if (transferEncoding !== undefined) {
      if (contentLength !== undefined) throw new ResponseParseError('HPE_UNEXPECTED_CONTENT_LENGTH')
      const codings = transferEncoding.split(',').map(trimOws)
      const last = codings[codings.length - 1]?.toLowerCase()
      if (last === 'chunked') {
        if (codings.slice(0, -1).some((coding) => coding.toLowerCase() === 'chunked'))
          throw new ResponseParseError('HPE_INVALID_TRANSFER_ENCODING')
        this.#state = State.ChunkSize
        return
      }
      this.#keepAlive = false
      this.#state = State.BodyUntilClose
      return
    }
    if (contentLength !== undefined) {
      const values = contentLength.split(',').map(trimOws)
      const first = values[0]!
      if (!/^\d{1,15}$/.test(first) || values.some((value) => value !== first))
        throw new ResponseParseError('HPE_INVALID_CONTENT_LENGTH')
      this.#remaining = Number(first)
      this.#state = this.#remaining === 0 ? State.Complete : State.BodyLength
      return
    }
    this.#keepAlive = false
    this.#state = State.BodyUntilClose
  }

  #readChunkSize(data: Buffer, offset: number): number {
    const end = data.indexOf(CRLF, offset)
    if (end === -1) {
      if (data.length - offset > MAX_LINE_BYTES) throw new ResponseParseError('HPE_INVALID_CHUNK_SIZE')
      this.#pending = data.subarray(offset)
      return data.length
    }
    const size = readChunkSize(data, offset, end)
    if (size === undefined) throw new ResponseParseError('HPE_INVALID_CHUNK_SIZE')
    if (size === 0) {
      this.#state = State.Trailers
    } else {
      this.#remaining = size
      this.#state = State.ChunkData
    }
    return end + 2
  }

  /** The trailer section after the last chunk: read and dropped, up to its empty line. */
  #readTrailers(data: Buffer, offset: number): number {
    if (data.length - offset >= 2 && data[offset] === 0x0d && data[offset + 1] === 0x0a) {
      this.#state = State.Complete
      return offset + 2
    }
    const end = data.indexOf(CRLFCRLF, offset)
    if (end === -1) {
      if (data.length - offset > MAX_LINE_BYTES) throw new ResponseParseError('HPE_HEADER_OVERFLOW')
      this.#pending = data.subarray(offset)
      return data.length
    }
    for (const line of data.toString('latin1', offset, end).split('\r\n')) {
      const colon = line.indexOf(':')
      if (colon <= 0 || !TOKEN.test(line.slice(0, colon)) || INVALID_VALUE_CHAR.test(line))
        throw new ResponseParseError('HPE_INVALID_HEADER_TOKEN')
    }
    this.#state = State.Complete
    return end + 4
  }
}

/** `Keep-Alive: timeout=5, max=100` (RFC 2068 section 19.7.1.1, still what servers send). */
function parseKeepAliveTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const match = /(?:^|[,;\s])timeout=(\d+)/i.exec(value)
  return match ? Number(match[1]) * 1000 : undefined
}

function trimOws(value: string): string {
  let start = 0
  let end = value.length
  while (start < end && (value.charCodeAt(start) === 0x20 || value.charCodeAt(start) === 0x09)) start++
  while (end > start && (value.charCodeAt(end - 1) === 0x20 || value.charCodeAt(end - 1) === 0x09)) end--
  return start === 0 && end === value.length ? value : value.slice(start, end)
}
