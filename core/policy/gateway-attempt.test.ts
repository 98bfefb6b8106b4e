import { describe, expect, it } from 'vitest'
import { parseConfig } from './config'
import { poolFor, toAttemptRequest } from './gateway-attempt'
import { getHeader } from './header-list'

const config = parseConfig({
  OXY_ACCESS_KEYS: 'alice:alice-token-0123456789',
  OXY_TARGET: 'https://primary.example/base,http://127.0.0.1:8080',
  OXY_UPSTREAM_KEY: 'sk-one,sk-two',
  OXY_ROUTES: '/anthropic=https://api.anthropic.com',
  OXY_UPSTREAM_KEY_ANTHROPIC: 'sk-ant-1,sk-ant-2',
})
const openai = config.routes.at(-1)!
const anthropic = config.routes[0]!

describe('toAttemptRequest', () => {
  const first = {
    upstream: openai.upstream,
    upstreamPath: '/base/v1/chat/completions?x=1',
    headers: [
      ['Host', 'primary.example'],
      ['Authorization', 'Bearer sk-one'],
      ['Content-Type', 'application/json'],
    ] as [string, string][],
  }

  it('should move the path and Host to the attempt target and swap in its key', () => {
    const second = toAttemptRequest(openai, first, { target: 1, key: 1 })
    expect(second.upstream.origin).toBe('http://127.0.0.1:8080')
    expect(second.upstreamPath).toBe('/v1/chat/completions?x=1')
    expect(getHeader(second.headers, 'host')).toBe('127.0.0.1:8080')
    expect(getHeader(second.headers, 'authorization')).toBe('Bearer sk-two')
    expect(second.headers.filter(([name]) => name.toLowerCase() === 'authorization')).toHaveLength(1)
    expect(getHeader(second.headers, 'content-type')).toBe('application/json')
  })

  it('should keep the first attempt as planned and the client credentials when there is no key', () => {
    expect(toAttemptRequest(openai, first, { target: 0, key: 0 })).toEqual({
      upstream: openai.upstream,
      upstreamPath: first.upstreamPath,
      headers: first.headers,
    })
    expect(
      getHeader(toAttemptRequest(openai, first, { target: 1, key: undefined }).headers, 'authorization'),
    ).toBe('Bearer sk-one')
  })

  it('should send a route key in the style its upstream expects', () => {
    const request = toAttemptRequest(
      anthropic,
      { upstream: anthropic.upstream, upstreamPath: '/v1/messages', headers: [['x-api-key', 'sk-ant-1']] },
      { target: 0, key: 1 },
    )
    expect(getHeader(request.headers, 'x-api-key')).toBe('sk-ant-2')
  })
})

describe('poolFor', () => {
  it('should keep one pool per route, sized to its targets and keys', () => {
    expect(poolFor(openai)).toBe(poolFor(openai))
    expect(poolFor(openai)).toMatchObject({ targetCount: 2, keyCount: 2 })
    expect(poolFor(anthropic)).toMatchObject({ targetCount: 1, keyCount: 2 })
  })
})
