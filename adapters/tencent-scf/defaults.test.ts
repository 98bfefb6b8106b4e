import { describe, expect, it } from 'vitest'
import { parseConfig, planRequest } from '../../core'
import { PLATFORM_HEADERS } from '../../test/platform-headers'
import { SCF_DEFAULTS } from './defaults'

const env = { OXY_TARGET: 'https://api.openai.com' }

function forwardedNames(config: ReturnType<typeof parseConfig>, target: string) {
  const plan = planRequest(
    { method: 'GET', target, headers: Object.entries(PLATFORM_HEADERS.tencentScf) },
    config,
  )
  if (plan.kind !== 'forward') throw new Error(`expected a forward plan, got ${plan.kind}`)
  return { path: plan.upstreamPath, names: plan.headers.map(([name]) => name.toLowerCase()) }
}

describe('SCF_DEFAULTS', () => {
  it('should listen on 0.0.0.0:9000 as SCF requires', () => {
    const config = parseConfig(env, SCF_DEFAULTS)
    expect(config.port).toBe(9000)
    expect(config.host).toBe('0.0.0.0')
  })

  it('should drop every X-Scf-* header, also when OXY_HOP_HEADER_PREFIX is set', () => {
    for (const hop of [undefined, 'x-my-']) {
      const config = parseConfig({ ...env, OXY_HOP_HEADER_PREFIX: hop }, SCF_DEFAULTS)
      const { names } = forwardedNames(config, '/v1/models')
      expect(names.filter((name) => name.startsWith('x-scf-'))).toEqual([])
    }
  })

  it('should accept old API gateway URLs with a stage segment and function URLs without', () => {
    const config = parseConfig(env, SCF_DEFAULTS)
    for (const stage of ['', '/release', '/test', '/prepub']) {
      expect(forwardedNames(config, `${stage}/v1/models?limit=1`).path).toBe('/v1/models?limit=1')
    }
    expect(forwardedNames(config, '/staging/v1/models').path).toBe('/staging/v1/models')
  })
})
