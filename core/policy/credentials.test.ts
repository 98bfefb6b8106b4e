import { describe, expect, it, vi } from 'vitest'

vi.mock('./constant-time', async (importOriginal) => {
  const actual = await importOriginal<typeof import('./constant-time')>()
  return { constantTimeEqual: vi.fn(actual.constantTimeEqual) }
})

const { constantTimeEqual } = await import('./constant-time')
const { bearerToApiKey, credentialStyleFor, findAccessToken, withUpstreamKey } = await import('./credentials')

const KEYS = ['oxy-token-aaaaaaaaaaaaaaaa', 'oxy-token-bbbbbbbbbbbbbbbb']

describe('findAccessToken', () => {
  it('should compare every candidate with every key through the constant-time compare', () => {
    vi.mocked(constantTimeEqual).mockClear()
    const matched = findAccessToken([['Authorization', `Bearer ${KEYS[1]}`]], KEYS)
    expect(matched).toEqual(new Set(['authorization']))
    // Both keys are tried even though the second matches: no early exit leaks which one did.
    expect(vi.mocked(constantTimeEqual).mock.calls).toEqual([
      [KEYS[1], KEYS[0]],
      [KEYS[1], KEYS[1]],
    ])
  })

  it('should go on comparing after the first key matches', () => {
    vi.mocked(constantTimeEqual).mockClear()
    expect(findAccessToken([['api-key', KEYS[0]!]], KEYS)).toEqual(new Set(['api-key']))
    expect(vi.mocked(constantTimeEqual).mock.calls).toEqual([
      [KEYS[0], KEYS[0]],
      [KEYS[0], KEYS[1]],
    ])
  })

  it('should find tokens in api-key and x-api-key, and nothing in other headers', () => {
    expect(findAccessToken([['api-key', KEYS[0]!]], KEYS)).toEqual(new Set(['api-key']))
    expect(findAccessToken([['X-Api-Key', KEYS[0]!]], KEYS)).toEqual(new Set(['x-api-key']))
    expect(findAccessToken([['Cookie', KEYS[0]!]], KEYS)).toBeUndefined()
    expect(findAccessToken([['Authorization', `Bearer ${KEYS[0]}x`]], KEYS)).toBeUndefined()
  })
})

describe('constantTimeEqual', () => {
  it('should be true only for identical strings', () => {
    const real = constantTimeEqual
    expect(real('abc', 'abc')).toBe(true)
    expect(real('abd', 'abc')).toBe(false)
    expect(real('ab', 'abc')).toBe(false)
    expect(real('abcd', 'abc')).toBe(false)
    expect(real('', 'abc')).toBe(false)
    expect(real('日本', '日本')).toBe(true)
  })
})

describe('credentialStyleFor', () => {
  it.each([
    ['api.openai.com', 'bearer'],
    ['my-resource.openai.azure.com', 'api-key'],
    ['my-resource.cognitiveservices.azure.com', 'api-key'],
    ['api.anthropic.com', 'x-api-key'],
    ['generativelanguage.googleapis.com', 'x-goog-api-key'],
    ['api.deepseek.com', 'bearer'],
  ])('should send %s its key as %s', (host, style) => {
    expect(credentialStyleFor(host)).toBe(style)
  })
})

describe('withUpstreamKey', () => {
  it("should remove every client credential and add the owner's in the upstream's style", () => {
    const client = [
      ['Authorization', 'Bearer client'],
      ['api-key', 'client'],
      ['x-api-key', 'client'],
      ['Content-Type', 'application/json'],
    ] as const
    expect(withUpstreamKey(client, 'sk-owner', 'x-api-key')).toEqual([
      ['Content-Type', 'application/json'],
      ['x-api-key', 'sk-owner'],
    ])
    expect(withUpstreamKey(client, 'sk-owner', 'bearer').at(-1)).toEqual(['Authorization', 'Bearer sk-owner'])
  })
})

describe('bearerToApiKey', () => {
  it("should turn an OpenAI client's bearer token into Azure's api-key", () => {
    expect(bearerToApiKey([['Authorization', 'Bearer k1']])).toEqual([['api-key', 'k1']])
    expect(
      bearerToApiKey([
        ['api-key', 'k2'],
        ['Authorization', 'Bearer k1'],
      ]),
    ).toEqual([
      ['api-key', 'k2'],
      ['Authorization', 'Bearer k1'],
    ])
  })
})
