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
    ['OXY_TARGET', 'https://user:pass@api.openai.com'],
    ['OXY_TARGET', 'https://api.openai.com/?x=1'],
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
