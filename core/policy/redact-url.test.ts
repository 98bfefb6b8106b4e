import { describe, expect, it } from 'vitest'
import { redactUrlSecrets } from './redact-url'

describe('redactUrlSecrets', () => {
  it.each([
    ['https://alice:hunter2@api.example.com/v1', 'https://***@api.example.com/v1'],
    ['https://alice:p@ss@api.example.com', 'https://***@api.example.com'],
    ['http://token@proxy:8080', 'http://***@proxy:8080'],
    ['carol:secret@proxy:7890', '***@proxy:7890'],
    ['/g=https://x.example.com/v1?key=AIza123&alt=sse', '/g=https://x.example.com/v1?key=***&alt=***'],
    ['https://x.example.com/?sk-bare-secret', 'https://x.example.com/?***'],
    ['https://x.example.com/v1#access_token=abc', 'https://x.example.com/v1#***'],
    ['/a=https://bob:pw@a.example.com?key=k#f', '/a=https://***@a.example.com?key=***#***'],
  ])('should hide the secrets in %s', (value, shown) => {
    expect(redactUrlSecrets(value)).toBe(shown)
  })

  it('should leave a value without secrets as it is', () => {
    for (const value of [
      'https://api.openai.com/v1',
      'api.openai.com',
      '/anthropic=https://api.anthropic.com',
      'chat.example.com',
    ])
      expect(redactUrlSecrets(value)).toBe(value)
  })
})
