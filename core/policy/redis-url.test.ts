import { describe, expect, it } from 'vitest'
import { ConfigError } from './errors'
import { describeRedisEndpoint, parseRedisUrl } from './redis-url'

describe('parseRedisUrl', () => {
  it('should read host, port, user, password and database', () => {
    expect(parseRedisUrl('OXY_REDIS_URL', 'redis://alice:s%40cret@10.0.0.5:6380/3')).toEqual({
      tls: false,
      host: '10.0.0.5',
      port: 6380,
      username: 'alice',
      password: 's@cret',
      db: 3,
    })
  })

  it('should take a password without a user, TLS from rediss://, and the defaults', () => {
    expect(parseRedisUrl('OXY_REDIS_URL', 'rediss://:pw@cache.example.com')).toEqual({
      tls: true,
      host: 'cache.example.com',
      port: 6379,
      username: undefined,
      password: 'pw',
      db: 0,
    })
    expect(parseRedisUrl('OXY_REDIS_URL', 'redis://[::1]:7000').host).toBe('::1')
  })

  it.each([
    ['http://:hunter2hunter2@host:6379', 'redis:// or rediss://'],
    ['redis://:hunter2hunter2@host:6379/x', 'database number'],
    ['redis://:hunter2hunter2@host:6379/999', 'database number'],
    ['redis://:hunter2hunter2@host:6379/0?x=1', 'query string'],
    ['redis://:hunter2%zzhunter2@host', '%-escape'],
    ['not a url hunter2hunter2', 'expected a URL'],
  ])('should refuse %s without printing the secret', (value, expected) => {
    let caught: unknown
    try {
      parseRedisUrl('OXY_REDIS_URL', value)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(ConfigError)
    const message = (caught as ConfigError).message
    expect(message).toContain('OXY_REDIS_URL')
    expect(message).toContain(expected)
    expect(message).not.toContain('hunter2')
  })
})

describe('describeRedisEndpoint', () => {
  it('should say where, never who or with what password', () => {
    const endpoint = parseRedisUrl('OXY_REDIS_URL', 'rediss://bob:topsecret@[::1]:6380/2')
    expect(describeRedisEndpoint(endpoint)).toBe('rediss://[::1]:6380/2')
  })
})
