import { describe, expect, it } from 'vitest'
import { loadProxy } from './load-proxy'

describe('loadProxy', () => {
  it('should parse once per env object and reuse the proxy', () => {
    const lines: string[] = []
    const env = { OXY_TARGET: 'https://api.example.com' }
    const first = loadProxy(env, { write: (line) => lines.push(line) })
    expect(first.kind).toBe('ready')
    expect(loadProxy(env)).toBe(first)
    expect(loadProxy({ ...env })).not.toBe(first)
  })

  it('should drop the platform headers by default', () => {
    const loaded = loadProxy({})
    expect(loaded.kind === 'ready' && loaded.config.dropHeaderPrefixes).toContain('cf-')
    expect(loaded.kind === 'ready' && loaded.config.target.origin).toBe('https://api.openai.com')
  })

  it('should report a bad variable once and keep the error for every request', () => {
    const lines: string[] = []
    const env = { OXY_CORS_ORIGINS: 'chat.example.com' }
    const write = (line: string) => lines.push(line)
    const first = loadProxy(env, { write })
    expect(first).toMatchObject({
      kind: 'invalid',
      error: { code: 'invalid_config', variable: 'OXY_CORS_ORIGINS' },
    })
    expect(loadProxy(env, { write })).toBe(first)
    expect(lines).toHaveLength(1)
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 'error',
      msg: expect.stringContaining('OXY_CORS_ORIGINS='),
    })
  })
})
