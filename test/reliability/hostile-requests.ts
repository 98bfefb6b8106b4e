import { AUTH_LINE } from './secrets'

export interface HostileRequest {
  readonly name: string
  readonly bytes: string
  /**
   * `refused`: a 4xx (JSON) or a closed connection, as the node engine answers. `served`: a valid
   * request with hostile decoration (a spoofed Host, an `@` in the path) that may be forwarded,
   * but only to the configured upstream and scrubbed.
   */
  readonly expect: 'refused' | 'served'
  /** The body is broken after valid headers: the upstream may see the start of the request. */
  readonly mayReachUpstream?: boolean
}

const END = 'Connection: close\r\n\r\n'

/**
 * The fixed corpus: one request per known trick, each naming `evil` (the canary) wherever a
 * confused proxy might connect to it. RFC 9112 (message syntax), RFC 9110, and the request
 * smuggling patterns of https://portswigger.net/web-security/request-smuggling.
 */
export function hostileRequests(evil: string): HostileRequest[] {
  const get = (target: string, extra = '') =>
    `GET ${target} HTTP/1.1\r\nHost: ${evil}\r\n${AUTH_LINE}${extra}${END}`
  const post = (headers: string, body: string) =>
    `POST /v1/chat/completions HTTP/1.1\r\nHost: ${evil}\r\n${AUTH_LINE}Content-Type: application/json\r\n${headers}${END}${body}`
  const smuggled = `GET http://${evil}/v1/models HTTP/1.1\r\nHost: ${evil}\r\n${AUTH_LINE}\r\n`
  return [
    { name: 'unknown method', bytes: get('/v1/models').replace('GET', 'GETT'), expect: 'refused' },
    { name: 'lower-case method', bytes: get('/v1/models').replace('GET', 'get'), expect: 'refused' },
    {
      name: 'method with a control byte',
      bytes: get('/v1/models').replace('GET', 'G\x01T'),
      expect: 'refused',
    },
    {
      name: 'CONNECT to another host',
      bytes: `CONNECT ${evil} HTTP/1.1\r\nHost: ${evil}\r\n${AUTH_LINE}\r\n`,
      expect: 'refused',
    },
    { name: 'authority-form target', bytes: get(evil), expect: 'refused' },
    { name: 'absolute-form http target', bytes: get(`http://${evil}/v1/models`), expect: 'refused' },
    { name: 'absolute-form https target', bytes: get(`https://${evil}/v1/models`), expect: 'refused' },
    { name: 'absolute-form with userinfo', bytes: get(`http://user@${evil}/v1/models`), expect: 'refused' },
    {
      name: 'asterisk-form target',
      bytes: `OPTIONS * HTTP/1.1\r\nHost: ${evil}\r\n${END}`,
      expect: 'refused',
    },
    { name: 'path starting with //', bytes: get(`//${evil}/v1/models`), expect: 'refused' },
    // `//` again once a stage or route prefix is removed (the targets run with both).
    { name: 'stage then //', bytes: get(`/release//${evil}/v1/models`), expect: 'refused' },
    { name: 'route then //', bytes: get(`/anthropic//${evil}/v1/models`), expect: 'refused' },
    { name: 'stage, route, then //', bytes: get(`/test/anthropic//${evil}/v1/models`), expect: 'refused' },
    {
      name: 'WebSocket upgrade: route then //',
      bytes: get(
        `/anthropic//${evil}/v1/realtime`,
        'Upgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n',
      ).replace(END, 'Connection: Upgrade\r\n\r\n'),
      expect: 'refused',
    },
    { name: 'path with a backslash', bytes: get(`/\\${evil}/v1/models`), expect: 'refused' },
    { name: 'path with ..', bytes: get('/v1/../../v1/models'), expect: 'refused' },
    { name: 'path with .', bytes: get('/./v1/models'), expect: 'refused' },
    { name: 'path with encoded ..', bytes: get('/v1/%2e%2e/%2E%2E/v1/models'), expect: 'refused' },
    { name: 'path with %2F', bytes: get(`/%2F%2F${evil}/v1/models`), expect: 'refused' },
    { name: 'path with %5c', bytes: get(`/v1%5c..%5cmodels`), expect: 'refused' },
    { name: 'path with %00', bytes: get('/v1/models%00.json'), expect: 'refused' },
    { name: 'path with encoded CRLF', bytes: get(`/v1/models%0d%0aHost:%20${evil}`), expect: 'refused' },
    // llhttp reads a request line cut by CRLF as HTTP/0.9 and the rest as headers: refused.
    { name: 'path with raw CRLF', bytes: get(`/v1/models\r\nHost: ${evil}`), expect: 'refused' },
    {
      name: 'HTTP/0.9 request line',
      bytes: `GET /v1/models\r\nHost: ${evil}\r\n${AUTH_LINE}\r\n`,
      expect: 'refused',
    },
    { name: 'path with a raw NUL', bytes: get('/v1/models\x00'), expect: 'refused' },
    { name: 'path with a raw space', bytes: get('/v1/ models'), expect: 'refused' },
    { name: 'path with raw non-ASCII', bytes: get('/v1/mödels'), expect: 'refused' },
    {
      name: 'unknown HTTP version',
      bytes: get('/v1/models').replace('HTTP/1.1', 'HTTP/9.9'),
      expect: 'refused',
    },
    {
      name: 'HTTP/1.1 without Host',
      bytes: `GET /v1/models HTTP/1.1\r\n${AUTH_LINE}${END}`,
      expect: 'refused',
    },
    {
      name: 'oversized header (431)',
      bytes: get('/v1/models', `X-Big: ${'a'.repeat(20_000)}\r\n`),
      expect: 'refused',
    },
    {
      name: 'too many headers (431)',
      bytes: get('/v1/models', 'X-Many: 1\r\n'.repeat(3_000)),
      expect: 'refused',
    },
    { name: 'oversized path (431)', bytes: get(`/v1/${'a'.repeat(20_000)}`), expect: 'refused' },
    {
      name: 'header name with a space',
      bytes: get('/v1/models', `Transfer-Encoding : chunked\r\n`),
      expect: 'refused',
    },
    { name: 'obsolete line folding', bytes: get('/v1/models', `X-Fold: a\r\n b\r\n`), expect: 'refused' },
    { name: 'bare LF in a header', bytes: get('/v1/models', `X-A: 1\nHost: ${evil}\r\n`), expect: 'refused' },
    { name: 'NUL in a header value', bytes: get('/v1/models', 'X-A: a\x00b\r\n'), expect: 'refused' },
    // Bodies: the headers are valid, so the request may start upstream; it must not complete there.
    {
      name: 'broken chunk size',
      bytes: post('Transfer-Encoding: chunked\r\n', 'zz\r\nhello\r\n0\r\n\r\n'),
      expect: 'refused',
      mayReachUpstream: true,
    },
    {
      name: 'overflowing chunk size',
      bytes: post('Transfer-Encoding: chunked\r\n', 'ffffffffffffffffffff\r\nx\r\n0\r\n\r\n'),
      expect: 'refused',
      mayReachUpstream: true,
    },
    {
      name: 'chunked body without its last chunk',
      bytes: post('Transfer-Encoding: chunked\r\n', '5\r\nhello\r\n'),
      expect: 'refused',
      mayReachUpstream: true,
    },
    {
      name: 'body shorter than Content-Length',
      bytes: post('Content-Length: 100\r\n', '{"model":'),
      expect: 'refused',
      mayReachUpstream: true,
    },
    { name: 'negative Content-Length', bytes: post('Content-Length: -1\r\n', '{}'), expect: 'refused' },
    { name: 'non-numeric Content-Length', bytes: post('Content-Length: 2a\r\n', '{}'), expect: 'refused' },
    {
      name: 'two different Content-Lengths',
      bytes: post('Content-Length: 2\r\nContent-Length: 40\r\n', '{}'),
      expect: 'refused',
    },
    // Smuggling: a second request hidden where a front end and a back end could disagree.
    {
      name: 'CL.TE pair',
      bytes: post('Content-Length: 6\r\nTransfer-Encoding: chunked\r\n', `0\r\n\r\n${smuggled}`),
      expect: 'refused',
    },
    {
      name: 'TE.CL pair',
      bytes: post(
        'Transfer-Encoding: chunked\r\nContent-Length: 3\r\n',
        `8\r\nSMUGGLED\r\n0\r\n\r\n${smuggled}`,
      ),
      expect: 'refused',
    },
    {
      name: 'obfuscated TE with CL',
      bytes: post('Content-Length: 4\r\nTransfer-Encoding: xchunked\r\n', `0\r\n\r\n${smuggled}`),
      expect: 'refused',
    },
    {
      name: 'TE list not ending in chunked',
      bytes: post('Transfer-Encoding: chunked, identity\r\n', `0\r\n\r\n${smuggled}`),
      expect: 'refused',
    },
    {
      name: 'TE with a tab',
      bytes: post('Transfer-Encoding:\tchunked\r\nContent-Length: 4\r\n', `0\r\n\r\n${smuggled}`),
      expect: 'refused',
    },
    {
      name: 'body longer than Content-Length, with a request behind it',
      bytes: `POST /v1/chat/completions HTTP/1.1\r\nHost: ${evil}\r\n${AUTH_LINE}Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}${smuggled}`,
      expect: 'served',
    },
    // Valid requests in hostile dress: forwarded, but only to the upstream, and scrubbed.
    {
      name: 'spoofed Host and X-Forwarded-Host',
      bytes: get('/v1/models', `X-Forwarded-Host: ${evil}\r\nForwarded: host=${evil}\r\n`),
      expect: 'served',
    },
    {
      name: 'X-Original-URL and X-Rewrite-URL',
      bytes: get('/v1/models', `X-Original-URL: http://${evil}/\r\nX-Rewrite-URL: //${evil}/\r\n`),
      expect: 'served',
    },
    { name: 'two Host headers', bytes: get('/v1/models', `Host: ${evil}\r\n`), expect: 'refused' },
    { name: 'path with @', bytes: get(`/@${evil}/v1/models`), expect: 'served' },
    { name: 'HTTP/1.0 without Host', bytes: `GET /v1/models HTTP/1.0\r\n${AUTH_LINE}\r\n`, expect: 'served' },
    {
      name: 'WebSocket upgrade with ..',
      bytes: get(
        '/v1/../v1/realtime',
        'Upgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n',
      ).replace(END, 'Connection: Upgrade\r\n\r\n'),
      expect: 'refused',
    },
    {
      name: 'h2c upgrade',
      bytes: get('/v1/models', 'Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n').replace(
        END,
        'Connection: Upgrade, HTTP2-Settings\r\n\r\n',
      ),
      expect: 'served',
    },
  ]
}
