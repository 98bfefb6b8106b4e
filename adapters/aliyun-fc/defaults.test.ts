import { describe, expect, it } from 'vitest'
import type { Env } from '../../core'
import { ConfigError, parseConfig, planRequest } from '../../core'
import { PLATFORM_HEADERS } from '../../test/platform-headers'
import { toFcServerInput } from './defaults'

function configFor(env: Env) {
  const input = toFcServerInput(env)
  return parseConfig(input.env, input.defaults)
}

describe('toFcServerInput', () => {
  it('should take the port from FC_CUSTOM_LISTEN_PORT, then FC_SERVER_PORT, then OXY_PORT, then 9000', () => {
    const all = { FC_CUSTOM_LISTEN_PORT: '9001', FC_SERVER_PORT: '9002', OXY_PORT: '9003' }
    expect(configFor(all).port).toBe(9001)
    expect(configFor({ ...all, FC_CUSTOM_LISTEN_PORT: undefined }).port).toBe(9002)
    expect(configFor({ ...all, FC_CUSTOM_LISTEN_PORT: '', FC_SERVER_PORT: undefined }).port).toBe(9003)
    expect(configFor({}).port).toBe(9000)
  })

  it('should listen on 0.0.0.0, which FC needs for its readiness check', () => {
    expect(configFor({}).host).toBe('0.0.0.0')
  })

  it('should name FC_CUSTOM_LISTEN_PORT when its value is not a port', () => {
    const error = (() => {
      try {
        toFcServerInput({ FC_CUSTOM_LISTEN_PORT: '90o0' })
      } catch (caught) {
        return caught
      }
    })()
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).variable).toBe('FC_CUSTOM_LISTEN_PORT')
    expect(() => toFcServerInput({ FC_SERVER_PORT: '70000' })).toThrow(/FC_SERVER_PORT/)
  })

  it('should drop every x-fc-* header, above all the credentials, also when OXY_HOP_HEADER_PREFIX is set', () => {
    for (const hop of [undefined, 'x-my-', '']) {
      const config = configFor({ OXY_HOP_HEADER_PREFIX: hop })
      const plan = planRequest(
        { method: 'GET', target: '/v1/models', headers: Object.entries(PLATFORM_HEADERS.aliyunFc) },
        config,
      )
      if (plan.kind !== 'forward') throw new Error('expected a forward plan')
      expect(plan.headers.map(([name]) => name).filter((name) => /^x-fc-/i.test(name))).toEqual([])
    }
  })
})
