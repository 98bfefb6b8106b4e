import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { getHeader, isHeaderName } from './header-list'

/** Header-name characters (RFC 9110 tchar), upper and lower case. */
const tokenName = fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,20}$/)

describe('isHeaderName', () => {
  it('should match a header name in any case exactly when lowering it gives the name looked for', () => {
    fc.assert(
      fc.property(tokenName, tokenName, (name, other) => {
        for (const lower of [name.toLowerCase(), other.toLowerCase()])
          expect(isHeaderName(name, lower)).toBe(name.toLowerCase() === lower)
      }),
    )
  })

  it('should tell names of the same length apart', () => {
    expect(isHeaderName('Connection', 'connection')).toBe(true)
    expect(isHeaderName('CONNECTION', 'connection')).toBe(true)
    expect(isHeaderName('Keep-Alive', 'connection')).toBe(false)
    expect(isHeaderName('Host', 'host')).toBe(true)
    expect(isHeaderName('Hosts', 'host')).toBe(false)
  })
})

describe('getHeader', () => {
  it('should return the first value of a header whatever the case it was sent in', () => {
    const headers = [
      ['Content-Length', '3'],
      ['CONTENT-TYPE', 'application/json'],
      ['content-type', 'text/plain'],
    ] as const
    expect(getHeader(headers, 'content-type')).toBe('application/json')
    expect(getHeader(headers, 'content-length')).toBe('3')
    expect(getHeader(headers, 'content-encoding')).toBeUndefined()
  })
})
