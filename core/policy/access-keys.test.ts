import { describe, expect, it } from 'vitest'
import { identifyAccessKey, nameProblem, parseAccessKeys } from './access-keys'
import { ConfigError } from './errors'

const ALICE = 'alice-token-0123456789'
const PLAIN = 'plain-token-abcdefghij'

function refusal(value: string): ConfigError {
  try {
    parseAccessKeys('OXY_ACCESS_KEYS', value)
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('parseAccessKeys', () => {
  it('should read name:token entries and name a plain token after its position only', () => {
    const keys = parseAccessKeys('OXY_ACCESS_KEYS', `alice:${ALICE}, ${PLAIN} ,bob : bob-token-0123456789`)
    expect(keys).toEqual([
      { name: 'alice', token: ALICE },
      { name: 'key-2', token: PLAIN },
      { name: 'bob', token: 'bob-token-0123456789' },
    ])
  })

  it('should keep a colon inside a named token', () => {
    expect(parseAccessKeys('OXY_ACCESS_KEYS', 'app:abc:defghijklmnopqrstu')).toEqual([
      { name: 'app', token: 'abc:defghijklmnopqrstu' },
    ])
  })

  it.each([
    [`alice:${ALICE},alice:${PLAIN}`, 'entries 1 and 2 are both named "alice"'],
    [`key-2:${ALICE},${PLAIN}`, 'entries 1 and 2 are both named "key-2"'],
    [`alice:${ALICE},bob:${ALICE}`, 'entries 1 and 2 hold the same token'],
    [`alice:${ALICE},,${PLAIN}`, 'entry 2 of 3 is empty'],
    [`:${ALICE}`, "entry 1: the name before ':' is empty"],
    [`*:${ALICE}`, 'may not be "*"'],
    [`al ice:${ALICE}`, 'may not contain spaces'],
    ['alice:short', 'at least 16 characters'],
    [`${'n'.repeat(65)}:${ALICE}`, 'longer than 64'],
  ])('should refuse %j with the variable named and no token printed', (value, problem) => {
    const error = refusal(value)
    expect(error.variable).toBe('OXY_ACCESS_KEYS')
    expect(error.message).toContain('OXY_ACCESS_KEYS')
    expect(error.message).toContain(problem)
    for (const secret of [ALICE, PLAIN, 'short']) expect(error.message).not.toContain(secret)
  })
})

describe('nameProblem', () => {
  it('should refuse commas and colons, which would split the name in OXY_ACCESS_KEYS', () => {
    expect(nameProblem('a,b')).toContain('comma')
    expect(nameProblem('a:b')).toContain('colon')
    expect(nameProblem('张三')).toBeUndefined()
    expect(nameProblem('team.web-app_2')).toBeUndefined()
  })
})

describe('nameProblem and control characters', () => {
  it('should refuse every control character (C0, DEL, C1) and accept other letters', () => {
    for (const control of ['\u0000', '\u0007', '\u001f', '\u007f', '\u0085', '\u009f']) {
      expect(nameProblem(`a${control}b`), JSON.stringify(control)).toMatch(/control characters/)
    }
    for (const fine of ['alice', 'ops-team_2', '名字', 'café', '😀']) {
      expect(nameProblem(fine), fine).toBeUndefined()
    }
  })
})

describe('identifyAccessKey', () => {
  const keys = parseAccessKeys('OXY_ACCESS_KEYS', `alice:${ALICE},${PLAIN}`)

  it('should name the key a request carries in any token header, and list those headers', () => {
    expect(identifyAccessKey([['Authorization', `Bearer ${PLAIN}`]], keys)).toEqual({
      key: { name: 'key-2', token: PLAIN },
      headers: new Set(['authorization']),
    })
    const both = identifyAccessKey(
      [
        ['authorization', 'Bearer sk-client-own-key'],
        ['x-api-key', ALICE],
      ],
      keys,
    )
    expect(both?.key.name).toBe('alice')
    expect(both?.headers).toEqual(new Set(['x-api-key']))
  })

  it('should find nothing for a wrong, partial or missing token', () => {
    expect(identifyAccessKey([['authorization', 'Bearer alice-token']], keys)).toBeUndefined()
    expect(identifyAccessKey([['authorization', `Bearer ${ALICE}x`]], keys)).toBeUndefined()
    expect(identifyAccessKey([['cookie', ALICE]], keys)).toBeUndefined()
  })
})
