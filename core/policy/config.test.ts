import { describe, expect, it } from 'vitest'
import { parseConfig } from './config'
import { ConfigError } from './errors'

describe('parseConfig', () => {
  it('should default to OpenAI on port 9000, like the Go proxy it replaces', () => {
    const config = parseConfig({})
    expect(config.target).toMatchObject({
      origin: 'https://api.openai.com',
      hostname: 'api.openai.com',
      port: 443,
      basePath: '',
    })
    expect(config.port).toBe(9000)
    expect(config.host).toBe('0.0.0.0')
    expect(config.firstByteTimeoutMs).toBe(600_000)
    expect(config.idleTimeoutMs).toBe(300_000)
    expect(config.connectTimeoutMs).toBe(10_000)
    expect(config.corsOrigins).toEqual(['*'])
    expect(config.log).toBe('json')
  })

  it('should keep a base path in the target, without its trailing slash', () => {
    const config = parseConfig({ OXY_TARGET: 'https://x.openai.azure.com/openai/' })
    expect(config.target.basePath).toBe('/openai')
    expect(config.target.host).toBe('x.openai.azure.com')
  })

  it('should keep a non-default port in the Host header and unbracket IPv6 for sockets', () => {
    const config = parseConfig({ OXY_TARGET: 'http://[::1]:8080' })
    expect(config.target).toMatchObject({ hostname: '::1', port: 8080, host: '[::1]:8080' })
  })

  it('should read comma-separated, case-insensitive hop header prefixes on top of the platform ones', () => {
    const config = parseConfig(
      { OXY_HOP_HEADER_PREFIX: 'X-Internal-, X-Debug' },
      { dropHeaderPrefixes: ['X-FC-'] },
    )
    expect(config.dropHeaderPrefixes).toEqual(['x-fc-', 'x-internal-', 'x-debug'])
  })

  it.each([
    ['OXY_PORT', '70000'],
    ['OXY_PORT', 'abc'],
    ['OXY_PORT', '-1'],
    ['OXY_TARGET', 'api.openai.com'],
    ['OXY_TARGET', 'ftp://api.openai.com'],
    ['OXY_CONNECT_TIMEOUT_MS', '-5'],
    ['OXY_FIRST_BYTE_TIMEOUT_MS', '1.5'],
    ['OXY_IDLE_TIMEOUT_MS', '99999999999'],
    ['OXY_CORS_ORIGINS', 'chat.example.com'],
    ['OXY_CORS_ORIGINS', 'https://chat.example.com/path'],
    ['OXY_LOG', 'verbose'],
    ['OXY_HOST', 'http://0.0.0.0'],
    ['OXY_MAX_BODY_BYTES', '10MB'],
    ['HTTPS_PROXY', 'socks5://127.0.0.1:1080'],
  ])('should refuse %s=%s with a message naming the variable and the value', (variable, value) => {
    let caught: unknown
    try {
      parseConfig({ [variable]: value })
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(ConfigError)
    expect((caught as ConfigError).variable).toBe(variable)
    expect((caught as ConfigError).message).toContain(`${variable}=${JSON.stringify(value)}`)
  })

  it.each([
    ['OXY_TARGET', 'https://user:pass@api.openai.com', 'https://***@api.openai.com'],
    ['OXY_TARGET', 'https://api.openai.com/?key=sk-in-query', 'https://api.openai.com/?key=***'],
    ['OXY_TARGET', 'https://api.openai.com/#sk-in-fragment', 'https://api.openai.com/#***'],
    ['OXY_ROUTES', '/g=https://g.example.com?key=AIza-in-query', 'https://g.example.com?key=***'],
    ['OXY_ROUTES', '/a=https://bob:route-pass@a.example.com/x y', 'https://***@a.example.com/x y'],
    ['HTTPS_PROXY', 'socks5://carol:proxy-pass@127.0.0.1:1080', 'socks5://***@127.0.0.1:1080'],
    ['HTTP_PROXY', 'http://carol:proxy-pass@[bad', 'http://***@[bad'],
  ])(
    'should refuse %s=%s naming the value without its userinfo, query values or fragment',
    (variable, value, shown) => {
      let caught: unknown
      try {
        parseConfig({ [variable]: value })
      } catch (error) {
        caught = error
      }
      expect(caught).toBeInstanceOf(ConfigError)
      const message = (caught as ConfigError).message
      expect(message).toContain(`${variable}=${JSON.stringify(shown)}`)
      for (const secret of ['pass', 'sk-in', 'AIza']) expect(message).not.toContain(secret)
    },
  )

  it('should accept 0 as "no limit" for timeouts and the body limit', () => {
    const config = parseConfig(
      { OXY_IDLE_TIMEOUT_MS: '0', OXY_MAX_BODY_BYTES: '0' },
      { maxBodyBytes: 6_000_000 },
    )
    expect(config.idleTimeoutMs).toBe(0)
    expect(config.maxBodyBytes).toBeUndefined()
  })

  it('should let a platform default the port and body limit, and the environment override them', () => {
    expect(parseConfig({}, { port: 8080, maxBodyBytes: 100 })).toMatchObject({
      port: 8080,
      maxBodyBytes: 100,
    })
    expect(parseConfig({ OXY_PORT: '7000' }, { port: 8080 }).port).toBe(7000)
  })

  it('should list exact CORS origins, or collapse to * when * is among them', () => {
    expect(
      parseConfig({ OXY_CORS_ORIGINS: 'https://a.example, http://localhost:3000/' }).corsOrigins,
    ).toEqual(['https://a.example', 'http://localhost:3000'])
    expect(parseConfig({ OXY_CORS_ORIGINS: 'https://a.example,*' }).corsOrigins).toEqual(['*'])
  })

  it('should read HTTP(S)_PROXY in either case and accept a bare host:port as curl does', () => {
    const config = parseConfig({ https_proxy: '127.0.0.1:7890', NO_PROXY: 'Localhost,.internal' })
    expect(config.outboundProxy).toEqual({
      httpProxy: undefined,
      httpsProxy: 'http://127.0.0.1:7890/',
      noProxy: ['localhost', '.internal'],
    })
  })

  it('should take stage prefixes from the platform unless OXY_STAGE_PREFIXES is set', () => {
    expect(parseConfig({}, { stagePrefixes: ['release'] }).stagePrefixes).toEqual(['release'])
    expect(
      parseConfig({ OXY_STAGE_PREFIXES: '/prod/,test' }, { stagePrefixes: ['release'] }).stagePrefixes,
    ).toEqual(['prod', 'test'])
    expect(parseConfig({ OXY_STAGE_PREFIXES: '' }, { stagePrefixes: ['release'] }).stagePrefixes).toEqual([])
  })
})

describe('parseConfig: keys and routes', () => {
  const TOKEN = 'oxy-token-aaaaaaaaaaaaaaaa'
  const KEY = 'sk-owner-0123456789abcdef'

  it('should refuse a server-held key without access keys, without printing the key', () => {
    let caught: unknown
    try {
      parseConfig({ OXY_UPSTREAM_KEY: KEY })
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(ConfigError)
    expect((caught as ConfigError).message).toContain('OXY_ALLOW_OPEN_RELAY=1')
    expect((caught as ConfigError).message).not.toContain(KEY)
  })

  it('should allow an open relay only when asked to on purpose', () => {
    expect(parseConfig({ OXY_UPSTREAM_KEY: KEY, OXY_ALLOW_OPEN_RELAY: '1' }).routes.at(-1)?.upstreamKey).toBe(
      KEY,
    )
    expect(parseConfig({ OXY_UPSTREAM_KEY: KEY, OXY_ACCESS_KEYS: TOKEN }).accessKeys).toEqual([TOKEN])
  })

  it('should refuse short access keys without printing them', () => {
    expect(() => parseConfig({ OXY_ACCESS_KEYS: 'short' })).toThrow(
      /OXY_ACCESS_KEYS \(a secret of 5 characters\)/,
    )
  })

  it('should order routes longest prefix first, end with OXY_TARGET, and give each its own key', () => {
    const config = parseConfig({
      OXY_ACCESS_KEYS: TOKEN,
      OXY_ROUTES:
        '/anthropic=https://api.anthropic.com, /gemini/v1beta=https://generativelanguage.googleapis.com/',
      OXY_UPSTREAM_KEY_ANTHROPIC: 'sk-ant-1',
      OXY_UPSTREAM_KEY_GEMINI_V1BETA: 'g-1',
    })
    expect(
      config.routes.map((route) => [
        route.prefix,
        route.upstream.origin,
        route.upstreamKey,
        route.credentialStyle,
      ]),
    ).toEqual([
      ['/gemini/v1beta', 'https://generativelanguage.googleapis.com', 'g-1', 'x-goog-api-key'],
      ['/anthropic', 'https://api.anthropic.com', 'sk-ant-1', 'x-api-key'],
      ['', 'https://api.openai.com', undefined, 'bearer'],
    ])
  })

  it.each([
    'anthropic=https://api.anthropic.com',
    '/anthropic',
    '/../x=https://x.example',
    '/_oxy=https://x.example',
    '/a=ftp://x.example',
    '/a=https://x.example,/a=https://y.example',
  ])('should refuse OXY_ROUTES=%s naming the variable', (value) => {
    expect(() => parseConfig({ OXY_ROUTES: value })).toThrow(/^OXY_ROUTES=/)
  })

  it('should read Azure deployments and default the API version', () => {
    const route = parseConfig({
      OXY_AZURE_DEPLOYMENTS: 'gpt-4o=my-4o, text-embedding-3-small=emb',
    }).routes.at(-1)
    expect(route?.credentialStyle).toBe('api-key')
    expect(route?.azure?.apiVersion).toBe('2024-10-21')
    expect([...(route?.azure?.deployments ?? [])]).toEqual([
      ['gpt-4o', 'my-4o'],
      ['text-embedding-3-small', 'emb'],
    ])
    expect(() => parseConfig({ OXY_AZURE_DEPLOYMENTS: 'gpt-4o' })).toThrow(/^OXY_AZURE_DEPLOYMENTS=/)
  })
})
