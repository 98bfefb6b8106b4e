import fc from 'fast-check'
import { AUTH_LINE } from './secrets'

/** Pieces of request targets that confuse URL parsers, proxies and upstreams. */
function targetPieces(evil: string): string[] {
  return [
    '/',
    '//',
    '.',
    '..',
    '\\',
    '@',
    ':',
    ';',
    '?',
    '#',
    '%',
    '%2f',
    '%2F',
    '%5c',
    '%00',
    '%0d%0a',
    '%2e',
    '%2e%2e',
    '%252f',
    'v1',
    'models',
    'chat',
    'completions',
    evil,
    'http://',
    'https://',
    ' ',
    '\t',
    '\r\n',
    '\x00',
    'é',
    '*',
  ]
}

/** Headers that try to steer a proxy, alone or in smuggling pairs. */
function hostileHeaders(evil: string): string[] {
  return [
    `Host: ${evil}`,
    `X-Forwarded-Host: ${evil}`,
    `Forwarded: host=${evil}`,
    `X-Original-URL: http://${evil}/`,
    'Transfer-Encoding: chunked',
    'Transfer-Encoding: xchunked',
    'Transfer-Encoding: chunked, identity',
    'Transfer-Encoding : chunked',
    'Content-Length: 0',
    'Content-Length: 4',
    'Content-Length: 40',
    'Content-Length: -1',
    'Content-Length: 4, 5',
    'Expect: 100-continue',
    'Connection: Upgrade',
    'Upgrade: websocket',
    `x-fc-access-key-secret: fake`,
    'X-Big: '.padEnd(17_000, 'b'),
  ]
}

function bodies(evil: string): string[] {
  const smuggled = `GET http://${evil}/ HTTP/1.1\r\nHost: ${evil}\r\n\r\n`
  return ['', '{}', '0\r\n\r\n', '4\r\n{}{}\r\n0\r\n\r\n', 'zz\r\n', `0\r\n\r\n${smuggled}`, smuggled]
}

/** A raw HTTP/1.1 request built from hostile parts, always with a valid token. */
export function hostileRequestArbitrary(evil: string): fc.Arbitrary<string> {
  const method = fc.oneof(
    fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'TRACE', 'CONNECT'),
    fc.constantFrom('GETT', 'get', 'G ET', '', 'PRI', 'M-SEARCH'),
  )
  const target = fc
    .tuple(
      fc.constantFrom('/', '', '//', `http://${evil}/`),
      fc.array(fc.constantFrom(...targetPieces(evil)), { maxLength: 8 }),
    )
    .map(([start, pieces]) => start + pieces.join(''))
  const version = fc.constantFrom('HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 ')
  const headers = fc.subarray(hostileHeaders(evil), { maxLength: 4 })
  const body = fc.constantFrom(...bodies(evil))
  return fc
    .tuple(method, target, version, headers, body)
    .map(
      ([m, t, v, h, b]) =>
        `${m} ${t} ${v}\r\nHost: 127.0.0.1\r\n${AUTH_LINE}${h.map((line) => `${line}\r\n`).join('')}Connection: close\r\n\r\n${b}`,
    )
}
