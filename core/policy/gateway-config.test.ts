import { describe, expect, it } from 'vitest'
import { parseConfig } from './config'
import { ConfigError } from './errors'

const TOKENS = 'alice:alice-token-0123456789,plain-token-abcdefghij'

function refusal(env: Record<string, string>): ConfigError {
  try {
    parseConfig(env)
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('parseConfig for a shared proxy', () => {
  it('should read several upstream keys per route and several targets, first ones as before', () => {
    const config = parseConfig({
      OXY_ACCESS_KEYS: TOKENS,
      OXY_TARGET: 'https://api.openai.com, http://127.0.0.1:8080/v0',
      OXY_UPSTREAM_KEY: 'sk-one,sk-two',
      OXY_ROUTES:
        '/anthropic=https://api.anthropic.com,https://anthropic.mirror.example,/deepseek=https://api.deepseek.com',
      OXY_UPSTREAM_KEY_ANTHROPIC: 'sk-ant-1, sk-ant-2 ,sk-ant-3',
    })
    expect(config.target.origin).toBe('https://api.openai.com')
    const [anthropic, deepseek, fallback] = config.routes
    expect(anthropic?.prefix).toBe('/anthropic')
    expect(anthropic?.upstreams.map((u) => u.origin)).toEqual([
      'https://api.anthropic.com',
      'https://anthropic.mirror.example',
    ])
    expect(anthropic?.upstreamKeys).toEqual(['sk-ant-1', 'sk-ant-2', 'sk-ant-3'])
    expect(anthropic?.upstreamKey).toBe('sk-ant-1')
    expect(deepseek?.upstreams.map((u) => u.origin)).toEqual(['https://api.deepseek.com'])
    expect(deepseek?.upstreamKeys).toEqual([])
    expect(fallback?.upstreams.map((u) => u.origin + u.basePath)).toEqual([
      'https://api.openai.com',
      'http://127.0.0.1:8080/v0',
    ])
    expect(fallback?.upstreamKeys).toEqual(['sk-one', 'sk-two'])
  })

  it('should name access keys and read the rules for them', () => {
    const config = parseConfig({
      OXY_ACCESS_KEYS: TOKENS,
      OXY_KEY_RULES: '{"alice":{"models":["gpt-4o-mini"]}}',
    })
    expect(config.namedAccessKeys.map((key) => key.name)).toEqual(['alice', 'key-2'])
    expect(config.accessKeys).toEqual(['alice-token-0123456789', 'plain-token-abcdefghij'])
    expect(config.keyRules.get('alice')).toEqual({ models: ['gpt-4o-mini'] })
  })

  it.each([
    [{ OXY_TARGET: 'https://api.openai.com,,https://b.example' }, 'OXY_TARGET', 'empty'],
    [{ OXY_TARGET: 'https://a.example,https://a.example/' }, 'OXY_TARGET', 'listed twice'],
    [{ OXY_ROUTES: 'https://a.example' }, 'OXY_ROUTES', 'expected entries'],
    [{ OXY_ACCESS_KEYS: TOKENS, OXY_UPSTREAM_KEY: 'sk-secret-1,,sk-secret-2' }, 'OXY_UPSTREAM_KEY', 'empty'],
    [
      {
        OXY_ACCESS_KEYS: TOKENS,
        OXY_ROUTES: '/a=https://a.example',
        OXY_UPSTREAM_KEY_A: 'sk-secret-1,sk-secret-1',
      },
      'OXY_UPSTREAM_KEY_A',
      'the same key',
    ],
    [{ OXY_ACCESS_KEYS: `${TOKENS},alice:another-token-123456789` }, 'OXY_ACCESS_KEYS', 'both named "alice"'],
    [{ OXY_ACCESS_KEYS: TOKENS, OXY_KEY_RULES: '{alice}' }, 'OXY_KEY_RULES', 'not valid JSON'],
  ])('should refuse %j at start-up naming %s, with no secret printed', (env, variable, problem) => {
    const error = refusal(env)
    expect(error.variable).toBe(variable)
    expect(error.message).toContain(problem)
    for (const secret of ['sk-secret', 'token-0123456789', 'token-abcdefghij', 'another-token'])
      expect(error.message).not.toContain(secret)
  })
})
