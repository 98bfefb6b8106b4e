/**
 * The Redis wire protocol, RESP2, as far as oxy needs it: commands out as arrays of bulk
 * strings, and the five reply types back. https://redis.io/docs/latest/develop/reference/protocol-spec/
 * Why not a client from npm: see docs/limits.md (ioredis adds ~195 KB and ~46 ms of cold start,
 * node-redis ~530 KB and ~96 ms; this file and the connection are a few KB).
 */

export type RespValue = string | number | null | RespError | RespValue[]

/** An error reply (`-ERR ...`): a value on the wire, not a broken connection. */
export class RespError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RespError'
  }
}

/** Replies above this size are not something oxy ever asks for: treat as a broken stream. */
const MAX_BULK_BYTES = 1024 * 1024

export function encodeCommand(args: readonly (string | number)[]): Buffer {
  let head = `*${args.length}\r\n`
  const parts: Buffer[] = []
  for (const arg of args) {
    const bytes = Buffer.from(String(arg), 'utf8')
    parts.push(Buffer.from(`${head}$${bytes.length}\r\n`, 'latin1'), bytes)
    head = '\r\n'
  }
  parts.push(Buffer.from('\r\n', 'latin1'))
  return Buffer.concat(parts)
}

export interface Parsed {
  readonly value: RespValue
  /** Offset of the first byte after this reply. */
  readonly end: number
}

/** One reply from `offset`, or undefined when the buffer does not hold all of it yet. */
export function parseReply(buffer: Buffer, offset = 0): Parsed | undefined {
  const lineEnd = buffer.indexOf('\r\n', offset, 'latin1')
  if (lineEnd === -1) return undefined
  const type = buffer[offset]
  const line = buffer.toString('utf8', offset + 1, lineEnd)
  const next = lineEnd + 2
  switch (type) {
    case 0x2b: // +
      return { value: line, end: next }
    case 0x2d: // -
      return { value: new RespError(line), end: next }
    case 0x3a: // :
      return { value: toInteger(line), end: next }
    case 0x24: // $
      return parseBulk(buffer, toInteger(line), next)
    case 0x2a: // *
      return parseArray(buffer, toInteger(line), next)
    default:
      throw new Error(`redis sent an unknown reply type ${JSON.stringify(String.fromCharCode(type ?? 0))}`)
  }
}

function parseBulk(buffer: Buffer, length: number, start: number): Parsed | undefined {
  if (length === -1) return { value: null, end: start }
  if (length < 0 || length > MAX_BULK_BYTES) throw new Error(`redis sent a bulk string of ${length} bytes`)
  if (buffer.length < start + length + 2) return undefined
  return { value: buffer.toString('utf8', start, start + length), end: start + length + 2 }
}

function parseArray(buffer: Buffer, count: number, start: number): Parsed | undefined {
  if (count === -1) return { value: null, end: start }
  if (count < 0 || count > MAX_BULK_BYTES) throw new Error(`redis sent an array of ${count} items`)
  const items: RespValue[] = []
  let end = start
  for (let i = 0; i < count; i++) {
    const item = parseReply(buffer, end)
    if (!item) return undefined
    items.push(item.value)
    end = item.end
  }
  return { value: items, end }
}

function toInteger(text: string): number {
  if (!/^-?\d+$/.test(text)) throw new Error('redis sent a malformed number')
  return Number(text)
}
