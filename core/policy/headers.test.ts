import { describe, expect, it } from 'vitest'
import { corsHeadersFor, preflightHeaders } from './cors'
import { toUpstreamHeaders } from './request-headers'
import { toClientHeaders } from './response-headers'

const policy = { upstreamHost: 'api.openai.com', dropPrefixes: ['x-scf-'] }

describe('toUpstreamHeaders', () => {
  it('should set Host to the upstream and keep everything else byte-exact and in order', () => {
    const out = toUpstreamHeaders(
      [
        ['Host', 'proxy.example.com'],
        ['Authorization', 'Bearer sk-ABC'],
        ['X-Stainless-Retry-Count', '0'],
        ['OpenAI-Beta', 'assistants=v2'],
        ['Cookie', 'a=1'],
        ['Cookie', 'b=2'],
      ],
      policy,
    )
    expect(out).toEqual([
      ['Host', 'api.openai.com'],
      ['Authorization', 'Bearer sk-ABC'],
      ['X-Stainless-Retry-Count', '0'],
      ['OpenAI-Beta', 'assistants=v2'],
      ['Cookie', 'a=1'],
      ['Cookie', 'b=2'],
    ])
  })

  it('should drop hop-by-hop headers, and the headers Connection names', () => {
    const out = toUpstreamHeaders(
      [
        ['Connection', 'keep-alive, X-Secret-Hop'],
        ['Keep-Alive', 'timeout=5'],
        ['Proxy-Connection', 'keep-alive'],
        ['Proxy-Authorization', 'Basic abc'],
        ['TE', 'trailers'],
        ['Trailer', 'Expires'],
        ['Transfer-Encoding', 'chunked'],
        ['Upgrade', 'h2c'],
        ['X-Secret-Hop', '1'],
        ['Expect', '100-continue'],
        ['Content-Type', 'application/json'],
      ],
      policy,
    )
    expect(out).toEqual([
      ['Host', 'api.openai.com'],
      ['Content-Type', 'application/json'],
    ])
  })

  it('should drop hop-by-hop headers spelt with `_`, which CGI-style upstreams read as dashed', () => {
    // Transfer_Encoding read as Transfer-Encoding would frame the body two ways upstream.
    const out = toUpstreamHeaders(
      [
        ['Transfer_Encoding', 'chunked'],
        ['Proxy_Authorization', 'Basic abc'],
        ['Content_Type', 'application/json'],
      ],
      policy,
    )
    expect(out).toEqual([
      ['Host', 'api.openai.com'],
      ['Content_Type', 'application/json'],
    ])
  })

  it('should drop every header that reveals the client, the CDN or the platform', () => {
    const revealing = [
      'X-Forwarded-For',
      'X-Forwarded-Proto',
      'x-forwarded-host',
      'Forwarded',
      'X-Real-IP',
      'True-Client-IP',
      'CF-Connecting-IP',
      'CF-IPCountry',
      'CF-Ray',
      'CF-Visitor',
      'CF-Worker',
      'CDN-Loop',
      'X-Client-Proto',
      'X-Client-Proto-Ver',
      'X-Api-Requestid',
      'X-Amzn-Trace-Id',
      'X-Amz-Cf-Id',
      'CloudFront-Viewer-Country',
      'Via',
      'X-Scf-Request-Id',
      'X-SCF-UIN',
      'x-fc-access-key-secret',
      'X-Scf-Secret-Key',
    ]
    const out = toUpstreamHeaders(
      revealing.map((name) => [name, 'x'] as const),
      policy,
    )
    expect(out).toEqual([['Host', 'api.openai.com']])
  })
})

describe('toClientHeaders', () => {
  const cors = corsHeadersFor([], ['*'])

  it('should keep Content-Encoding and Content-Length when bytes pass through unchanged', () => {
    const out = toClientHeaders(
      [
        ['Content-Encoding', 'gzip'],
        ['Content-Length', '42'],
        ['Connection', 'keep-alive'],
        ['Transfer-Encoding', 'chunked'],
      ],
      { bodyDecoded: false, corsHeaders: [] },
    )
    expect(out).toEqual([
      ['Content-Encoding', 'gzip'],
      ['Content-Length', '42'],
    ])
  })

  it('should drop Content-Encoding and Content-Length when the engine decoded the body', () => {
    const out = toClientHeaders(
      [
        ['content-encoding', 'br'],
        ['content-length', '42'],
        ['x-request-id', 'req_1'],
      ],
      { bodyDecoded: true, corsHeaders: [] },
    )
    expect(out).toEqual([['x-request-id', 'req_1']])
  })

  it('should mark event streams unbuffered and uncached, replacing the upstream values', () => {
    const out = toClientHeaders(
      [
        ['Content-Type', 'text/event-stream; charset=utf-8'],
        ['Cache-Control', 'max-age=60'],
      ],
      { bodyDecoded: false, corsHeaders: [] },
    )
    expect(out).toEqual([
      ['Content-Type', 'text/event-stream; charset=utf-8'],
      ['X-Accel-Buffering', 'no'],
      ['Cache-Control', 'no-cache'],
    ])
  })

  it("should replace the upstream's CORS origin with the proxy's own, once", () => {
    const out = toClientHeaders(
      [
        ['Access-Control-Allow-Origin', 'https://platform.openai.com'],
        ['Access-Control-Allow-Credentials', 'true'],
      ],
      { bodyDecoded: false, corsHeaders: cors },
    )
    expect(out.filter(([name]) => name.toLowerCase() === 'access-control-allow-origin')).toEqual([
      ['Access-Control-Allow-Origin', '*'],
    ])
    expect(out.some(([name]) => name.toLowerCase() === 'access-control-allow-credentials')).toBe(false)
  })
})

describe('corsHeadersFor', () => {
  it('should echo an allowed origin and say the answer varies by Origin', () => {
    const out = corsHeadersFor([['Origin', 'https://chat.example.com']], ['https://chat.example.com'])
    expect(out).toContainEqual(['Access-Control-Allow-Origin', 'https://chat.example.com'])
    expect(out).toContainEqual(['Vary', 'Origin'])
  })

  it('should allow no origin that is not listed', () => {
    const out = corsHeadersFor([['Origin', 'https://evil.example']], ['https://chat.example.com'])
    expect(out).toEqual([['Vary', 'Origin']])
  })
})

describe('preflightHeaders', () => {
  it('should echo the requested headers and allow the methods the API uses', () => {
    const out = preflightHeaders([['Access-Control-Request-Headers', 'x-stainless-os, authorization']], ['*'])
    expect(out).toContainEqual(['Access-Control-Allow-Headers', 'x-stainless-os, authorization'])
    expect(out).toContainEqual(['Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS'])
  })
})
