import { describe, expect, it } from 'vitest'
import { parseUpstream } from './config'
import { proxyFor } from './outbound-proxy'

const settings = (noProxy: string[]) => ({
  httpProxy: 'http://proxy.local:3128/',
  httpsProxy: 'http://proxy.local:3129/',
  noProxy,
})

describe('proxyFor', () => {
  it('should pick the proxy by the upstream scheme', () => {
    expect(proxyFor(parseUpstream('T', 'https://api.openai.com'), settings([]))).toBe(
      'http://proxy.local:3129/',
    )
    expect(proxyFor(parseUpstream('T', 'http://10.0.0.5:8000'), settings([]))).toBe(
      'http://proxy.local:3128/',
    )
  })

  it.each([
    ['*', 'https://api.openai.com'],
    ['api.openai.com', 'https://api.openai.com'],
    ['openai.com', 'https://api.openai.com'],
    ['.openai.com', 'https://api.openai.com'],
    ['*.openai.com', 'https://api.openai.com'],
    ['api.openai.com:443', 'https://api.openai.com'],
    ['localhost', 'http://localhost:8000'],
    ['[::1]:8000', 'http://[::1]:8000'],
  ])('should bypass the proxy when NO_PROXY=%s matches %s', (entry, target) => {
    expect(proxyFor(parseUpstream('T', target), settings([entry]))).toBeUndefined()
  })

  it.each([
    ['notopenai.com', 'https://api.openai.com'],
    ['api.openai.com:8443', 'https://api.openai.com'],
    ['openai.co', 'https://api.openai.com'],
  ])('should still use the proxy when NO_PROXY=%s does not match %s', (entry, target) => {
    expect(proxyFor(parseUpstream('T', target), settings([entry]))).toBe('http://proxy.local:3129/')
  })
})
