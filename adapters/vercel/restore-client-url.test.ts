import { describe, expect, it } from 'vitest'
import { restoreClientUrl } from './restore-client-url'

describe('restoreClientUrl', () => {
  it('should take out the parameter the rewrite appended and keep the rest byte-exact', () => {
    expect(restoreClientUrl('https://x.vercel.app/v1/models?oxy_path=v1%2Fmodels')).toBe(
      'https://x.vercel.app/v1/models',
    )
    expect(restoreClientUrl('https://x.vercel.app/v1/files?b=2&a=%20x&empty=&flag&oxy_path=v1%2Ffiles')).toBe(
      'https://x.vercel.app/v1/files?b=2&a=%20x&empty=&flag',
    )
  })

  it("should remove only the last oxy_path, leaving a client's own", () => {
    expect(restoreClientUrl('https://x.vercel.app/p?oxy_path=mine&oxy_path=p')).toBe(
      'https://x.vercel.app/p?oxy_path=mine',
    )
  })

  it('should leave a URL the rewrite did not touch unchanged', () => {
    for (const url of ['https://x.vercel.app/api/oxy', 'https://x.vercel.app/v1/models?oxy_pathx=1'])
      expect(restoreClientUrl(url)).toBe(url)
  })
})
