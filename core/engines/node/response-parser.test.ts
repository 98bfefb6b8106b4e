import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import net from 'node:net'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { ResponseHead } from './response-parser'
import { MAX_HEAD_BYTES, ResponseParseError, ResponseParser } from './response-parser'

interface Parsed {
  heads: ResponseHead[]
  body: Buffer
  complete: boolean
  switched: boolean
  keepAlive: boolean
  leftover: string | undefined
}

/** Feeds `wire` to a fresh parser in pieces cut at `cuts`; ends with EOF when `eof` is set. */
function parse(
  wire: string | Buffer,
  options: { method?: string; cuts?: number[]; eof?: boolean } = {},
): Parsed {
  const bytes = typeof wire === 'string' ? Buffer.from(wire, 'latin1') : wire
  const heads: ResponseHead[] = []
  const body: Buffer[] = []
  const parser = new ResponseParser({
    onHead: (head) => heads.push(head),
    onBody: (chunk) => body.push(chunk),
  })
  parser.expect(options.method ?? 'GET')
  let at = 0
  for (const cut of [...(options.cuts ?? []), bytes.length].sort((a, b) => a - b)) {
    if (cut <= at) continue
    parser.execute(bytes.subarray(at, Math.min(cut, bytes.length)))
    at = cut
    if (parser.complete || parser.switched) break
  }
  if (options.eof) parser.finish()
  return {
    heads,
    body: Buffer.concat(body),
    complete: parser.complete,
    switched: parser.switched,
    keepAlive: parser.keepAlive,
    leftover: parser.leftover?.toString('latin1'),
  }
}

function parseError(wire: string, options: { method?: string; eof?: boolean } = {}): string {
  try {
    parse(wire, options)
  } catch (error) {
    expect(error).toBeInstanceOf(ResponseParseError)
    return (error as ResponseParseError).code
  }
  throw new Error('parsed without error')
}

const CHUNKED =
  'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n' +
  '7\r\ndata: 1\r\n' +
  'a;name=value\r\n\n\ndata: 2\n\r\n' +
  '0\r\nX-Trailer: yes\r\n\r\n'

describe('ResponseParser', () => {
  it('should deliver the head as received and a Content-Length body, at any split', () => {
    const wire =
      'HTTP/1.1 201 Created\r\nX-Request-Id:  req_1 \r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 11\r\n\r\nhello world'
    for (let cut = 0; cut <= wire.length; cut++) {
      const parsed = parse(wire, { cuts: [cut] })
      expect(parsed.heads).toHaveLength(1)
      expect(parsed.heads[0]).toMatchObject({
        status: 201,
        statusText: 'Created',
        rawHeaders: [
          'X-Request-Id',
          'req_1',
          'Set-Cookie',
          'a=1',
          'Set-Cookie',
          'b=2',
          'Content-Length',
          '11',
        ],
        keepAlive: true,
      })
      expect(parsed.body.toString()).toBe('hello world')
      expect(parsed.complete).toBe(true)
      expect(parsed.keepAlive).toBe(true)
    }
  })

  it('should decode chunked bodies with extensions and trailers, at any pair of splits', () => {
    for (let first = 0; first <= CHUNKED.length; first += 3) {
      for (let second = first; second <= CHUNKED.length; second += 5) {
        const parsed = parse(CHUNKED, { cuts: [first, second] })
        expect(parsed.body.toString()).toBe('data: 1\n\ndata: 2\n')
        expect(parsed.complete).toBe(true)
        expect(parsed.keepAlive).toBe(true)
      }
    }
  })

  it('should read a body without framing until the connection closes, and not reuse it', () => {
    const parsed = parse('HTTP/1.1 200 OK\r\nContent-Type: audio/mpeg\r\n\r\n\x00\x01\xff', { eof: true })
    expect([...parsed.body]).toEqual([0, 1, 255])
    expect(parsed.complete).toBe(true)
    expect(parsed.keepAlive).toBe(false)
  })

  it('should expect no body after HEAD, 204 and 304, whatever Content-Length says', () => {
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n', { method: 'HEAD' }).complete).toBe(true)
    expect(parse('HTTP/1.1 204 No Content\r\n\r\n').complete).toBe(true)
    expect(parse('HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n').complete).toBe(true)
  })

  it('should skip 100 Continue and 103 Early Hints and report only the final response', () => {
    const parsed = parse(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    )
    expect(parsed.heads.map((head) => head.status)).toEqual([200])
    expect(parsed.body.toString()).toBe('ok')
  })

  it('should stop at a 101 and at a 2xx to CONNECT, leaving the next protocol bytes as they are', () => {
    const upgraded = parse('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x02hi')
    expect(upgraded.switched).toBe(true)
    expect(upgraded.leftover).toBe('\x81\x02hi')
    const tunnel = parse('HTTP/1.1 200 Connection established\r\n\r\n\x16\x03', { method: 'CONNECT' })
    expect(tunnel.switched).toBe(true)
    expect(tunnel.leftover).toBe('\x16\x03')
  })

  it('should keep a connection alive only when the version and Connection header allow it', () => {
    const keepAlive = (wire: string) => parse(wire).keepAlive
    expect(keepAlive('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')).toBe(true)
    expect(keepAlive('HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n')).toBe(false)
    expect(keepAlive('HTTP/1.1 200 OK\r\nConnection: x, close\r\nContent-Length: 0\r\n\r\n')).toBe(false)
    expect(keepAlive('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n')).toBe(false)
    expect(keepAlive('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n')).toBe(true)
  })

  it("should read the server's Keep-Alive timeout hint", () => {
    const head = parse('HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5, max=1000\r\nContent-Length: 0\r\n\r\n')
      .heads[0]
    expect(head?.keepAliveTimeoutMs).toBe(5000)
  })

  it('should leave bytes after a complete response aside and refuse to reuse the connection', () => {
    const parsed = parse(
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil',
    )
    expect(parsed.body.toString()).toBe('ok')
    expect(parsed.leftover).toMatch(/^HTTP\/1\.1 200/)
    expect(parsed.keepAlive).toBe(false)
  })

  it('should refuse framing that two parsers could read differently', () => {
    expect(parseError('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n')).toBe(
      'HPE_UNEXPECTED_CONTENT_LENGTH',
    )
    expect(parseError('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n')).toBe(
      'HPE_INVALID_CONTENT_LENGTH',
    )
    expect(parseError('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n')).toBe('HPE_INVALID_CONTENT_LENGTH')
    expect(parseError('HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n')).toBe('HPE_INVALID_CONTENT_LENGTH')
    expect(parseError('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n')).toBe(
      'HPE_INVALID_TRANSFER_ENCODING',
    )
    // Identical repeated lengths are one length (RFC 9110 section 8.6).
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok').body.toString()).toBe('ok')
  })

  it('should refuse malformed chunk framing', () => {
    const chunked = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'
    expect(parseError(`${chunked}zz\r\n`)).toBe('HPE_INVALID_CHUNK_SIZE')
    expect(parseError(`${chunked}\r\n`)).toBe('HPE_INVALID_CHUNK_SIZE')
    expect(parseError(`${chunked}-1\r\n`)).toBe('HPE_INVALID_CHUNK_SIZE')
    expect(parseError(`${chunked}fffffffffffffff\r\n`)).toBe('HPE_INVALID_CHUNK_SIZE')
    expect(parseError(`${chunked}2\r\nokXX0\r\n\r\n`)).toBe('HPE_STRICT')
    expect(parseError(`${chunked}2;ext\nbad\r\nok\r\n`)).toBe('HPE_INVALID_CHUNK_SIZE')
    expect(parseError(`${chunked}${'1'.repeat(9000)}`)).toBe('HPE_INVALID_CHUNK_SIZE')
  })

  it('should refuse header lines a client could be tricked by', () => {
    const head = (line: string) => `HTTP/1.1 200 OK\r\n${line}\r\nContent-Length: 0\r\n\r\n`
    expect(parseError(head('Bad Name: x'))).toBe('HPE_INVALID_HEADER_TOKEN')
    expect(parseError(head(': no name'))).toBe('HPE_INVALID_HEADER_TOKEN')
    expect(parseError(head('NoColon'))).toBe('HPE_INVALID_HEADER_TOKEN')
    expect(parseError(head(' folded: continuation'))).toBe('HPE_INVALID_HEADER_TOKEN')
    expect(parseError(head('X-A: one\nSet-Cookie: injected'))).toBe('HPE_LF_EXPECTED')
    // Without a CRLFCRLF anywhere: refused at once, not waited on until the first-byte timeout.
    expect(parseError('HTTP/1.1 200 OK\nContent-Length: 2\n\n{}')).toBe('HPE_LF_EXPECTED')
    expect(parseError(head('X-A: one\rtwo'))).toBe('HPE_INVALID_HEADER_TOKEN')
    expect(parseError(head('X-A: nul\x00'))).toBe('HPE_INVALID_HEADER_TOKEN')
    expect(parseError('SSH-2.0-OpenSSH_9.6\r\n\r\n')).toBe('HPE_INVALID_CONSTANT')
    expect(parseError('HTTP/1.1 099 Low\r\n\r\n')).toBe('HPE_INVALID_CONSTANT')
    expect(parseError('HTTP/1.1 600 High\r\nContent-Length: 0\r\n\r\n')).toBe('HPE_INVALID_CONSTANT')
    expect(parseError('HTTP/1.1 999 High\r\nContent-Length: 0\r\n\r\n')).toBe('HPE_INVALID_CONSTANT')
    expect(parseError('HTTP/2 200\r\n\r\n')).toBe('HPE_INVALID_CONSTANT')
    expect(parseError(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(MAX_HEAD_BYTES)}`)).toBe('HPE_HEADER_OVERFLOW')
  })

  it('should call a truncated response a reset, never complete', () => {
    expect(parseError('', { eof: true })).toBe('ECONNRESET')
    expect(parseError('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf', { eof: true })).toBe('ECONNRESET')
    expect(parseError('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabc', { eof: true })).toBe(
      'ECONNRESET',
    )
  })

  it('should read any well-formed response as node:http reads it (differential, random splits)', async () => {
    const server = net.createServer()
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const { port } = server.address() as AddressInfo
    let nextWire: Buffer = Buffer.alloc(0)
    server.on('connection', (socket) => {
      socket.once('data', () => socket.end(nextWire))
      socket.on('error', () => {})
    })
    const agent = new http.Agent({ keepAlive: false })
    const viaNode = (wire: Buffer) =>
      new Promise<{ status: number; rawHeaders: string[]; body: Buffer }>((resolve, reject) => {
        nextWire = wire
        http
          .get({ host: '127.0.0.1', port, agent }, (res) => {
            const chunks: Buffer[] = []
            res.on('data', (chunk: Buffer) => chunks.push(chunk))
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                rawHeaders: res.rawHeaders,
                body: Buffer.concat(chunks),
              }),
            )
          })
          .on('error', reject)
      })
    const headerName = fc.stringMatching(/^X-[A-Za-z0-9-]{1,12}$/)
    const headerValue = fc.stringMatching(/^[!-~]([ !-~]{0,30}[!-~])?$/)
    const response = fc.record({
      status: fc.integer({ min: 200, max: 599 }).filter((status) => status !== 204 && status !== 304),
      headers: fc.array(fc.tuple(headerName, headerValue), { maxLength: 6 }),
      pieces: fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 5 }),
      chunked: fc.boolean(),
      cuts: fc.array(fc.nat({ max: 1600 }), { maxLength: 4 }),
    })
    try {
      await fc.assert(
        fc.asyncProperty(response, async ({ status, headers, pieces, chunked, cuts }) => {
          const bodies = pieces.map((piece) => Buffer.from(piece))
          const body = Buffer.concat(bodies)
          let head = `HTTP/1.1 ${status} Whatever\r\n`
          for (const [name, value] of headers) head += `${name}: ${value}\r\n`
          head += chunked ? 'Transfer-Encoding: chunked\r\n\r\n' : `Content-Length: ${body.length}\r\n\r\n`
          const framed = chunked
            ? [
                ...bodies.flatMap((b) => [
                  Buffer.from(`${b.length.toString(16)}\r\n`),
                  b,
                  Buffer.from('\r\n'),
                ]),
                Buffer.from('0\r\n\r\n'),
              ]
            : [body]
          const wire = Buffer.concat([Buffer.from(head, 'latin1'), ...framed])
          const ours = parse(wire, { cuts })
          const theirs = await viaNode(wire)
          expect(ours.complete).toBe(true)
          expect(ours.heads[0]?.status).toBe(theirs.status)
          expect(ours.heads[0]?.rawHeaders).toEqual(theirs.rawHeaders)
          expect(ours.body.equals(theirs.body)).toBe(true)
        }),
        { numRuns: 150 },
      )
    } finally {
      agent.destroy()
      server.close()
    }
  })
})
