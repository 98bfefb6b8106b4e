import { describe, expect, it } from 'vitest'
import { PLATFORM_HEADERS } from '../../test/platform-headers'
import { isEdgePlatformHeader } from './edge-platform-headers'
import { toUpstreamHeaders } from './request-headers'

const policy = { upstreamHost: 'api.openai.com', dropPrefixes: [] }

describe('toUpstreamHeaders', () => {
  it('should drop what Vercel, Netlify and Deno Deploy inject, on every target', () => {
    const injected = {
      ...PLATFORM_HEADERS.vercel,
      ...PLATFORM_HEADERS.netlify,
      ...PLATFORM_HEADERS.denoDeploy,
    }
    const out = toUpstreamHeaders(
      [...Object.entries(injected), ['Authorization', 'Bearer sk-test'], ['X-Stainless-Lang', 'js']],
      policy,
    )
    expect(out).toEqual([
      ['Host', 'api.openai.com'],
      ['Authorization', 'Bearer sk-test'],
      ['X-Stainless-Lang', 'js'],
    ])
  })
})

describe('isEdgePlatformHeader', () => {
  it('should leave headers clients send to OpenAI alone', () => {
    for (const name of ['openai-organization', 'x-stainless-os', 'x-request-id', 'x-api-key', 'x-next'])
      expect(isEdgePlatformHeader(name), name).toBe(false)
  })
})
