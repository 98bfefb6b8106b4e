import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../core'
import { loadConfig } from './load-config'

describe('loadConfig', () => {
  it('should return a ConfigError naming the variable instead of throwing', () => {
    const loaded = loadConfig({ OXY_TARGET: 'api.openai.com' })
    expect(loaded.ok).toBe(false)
    if (loaded.ok) return
    expect(loaded.error).toBeInstanceOf(ConfigError)
    expect(loaded.error.variable).toBe('OXY_TARGET')
  })

  it("should cap request bodies at Lambda's 6 MB payload limit unless OXY_MAX_BODY_BYTES says otherwise", () => {
    const capped = loadConfig({})
    const raised = loadConfig({ OXY_MAX_BODY_BYTES: '0' })
    if (!capped.ok || !raised.ok) throw new Error('expected valid configurations')
    expect(capped.config.maxBodyBytes).toBe(6 * 1024 * 1024)
    expect(raised.config.maxBodyBytes).toBeUndefined()
  })
})
