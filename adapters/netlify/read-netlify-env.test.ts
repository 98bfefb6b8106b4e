import { afterEach, describe, expect, it } from 'vitest'
import { readNetlifyEnv } from './read-netlify-env'

const scope = globalThis as { Netlify?: unknown; Deno?: unknown }

describe('readNetlifyEnv', () => {
  afterEach(() => {
    delete scope.Netlify
    delete scope.Deno
  })

  it("should read the site's variables through the Netlify global before Deno.env", () => {
    scope.Netlify = { env: { toObject: () => ({ OXY_TARGET: 'https://netlify.example' }) } }
    scope.Deno = { env: { toObject: () => ({ OXY_TARGET: 'https://deno.example' }) } }
    expect(readNetlifyEnv()).toEqual({ OXY_TARGET: 'https://netlify.example' })
    delete scope.Netlify
    expect(readNetlifyEnv()).toEqual({ OXY_TARGET: 'https://deno.example' })
  })

  it('should run on the defaults where neither exists', () => {
    expect(readNetlifyEnv()).toEqual({})
  })
})
