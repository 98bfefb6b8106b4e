import { afterEach, describe, expect, it } from 'vitest'
import { readDenoEnv } from './read-deno-env'

const scope = globalThis as { Deno?: unknown }

describe('readDenoEnv', () => {
  afterEach(() => {
    delete scope.Deno
  })

  it('should read Deno.env and write nothing', () => {
    const lines: string[] = []
    scope.Deno = { env: { toObject: () => ({ OXY_LOG: 'off' }) } }
    expect(readDenoEnv((line) => lines.push(line))).toEqual({ OXY_LOG: 'off' })
    expect(lines).toEqual([])
  })

  it('should say once how to fix a refused read, and fall back to the defaults', () => {
    const lines: string[] = []
    scope.Deno = {
      env: {
        toObject: () => {
          throw new Error('Requires env access, run again with the --allow-env flag')
        },
      },
    }
    expect(readDenoEnv((line) => lines.push(line))).toEqual({})
    expect(lines).toHaveLength(1)
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 'warn',
      msg: expect.stringContaining('--allow-env'),
    })
  })
})
