import { describe, expect, it } from 'vitest'
import { platformHintFor } from './platform-hints'

describe('platformHintFor', () => {
  it("should know each platform's default domain and say to use a custom one", () => {
    for (const [host, platform, guide] of [
      ['oxy-abc.vercel.app', 'Vercel', 'docs/vercel.md'],
      ['oxy.netlify.app', 'Netlify', 'docs/netlify.md'],
      ['oxy.my-org.deno.net', 'Deno Deploy', 'docs/deno.md'],
      ['oxy.deno.dev', 'Deno Deploy', 'docs/deno.md'],
      ['OXY.example.WORKERS.DEV.', 'Cloudflare Workers', 'docs/cloudflare-workers.md'],
    ] as const) {
      const hint = platformHintFor(host)
      expect(hint?.platform, host).toBe(platform)
      expect(hint?.unreachable).toContain('custom domain')
      expect(hint?.unreachable).toContain(guide)
    }
  })

  it("should name Vercel's streaming form and plan limit, and Netlify's header timeout", () => {
    expect(platformHintFor('x.vercel.app')?.buffered).toContain('api/oxy.js exports fetch')
    expect(platformHintFor('x.vercel.app')?.cut).toContain('300 s at most on Hobby')
    expect(platformHintFor('x.netlify.app')?.cut).toContain('within 40 s')
  })

  it('should leave custom domains and look-alikes alone', () => {
    for (const host of ['oxy.example.com', 'vercel.app.example.com', 'notvercel.app', '127.0.0.1'])
      expect(platformHintFor(host), host).toBeUndefined()
  })
})
