import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { LockFile } from './complete-lockfile'
import { completeLockFile, findMissingOptional } from './complete-lockfile'

describe('package-lock.json', () => {
  it('should list every optional platform package, or `npm ci` refuses it (run npm run lock:complete)', () => {
    const lock = JSON.parse(
      readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8'),
    ) as LockFile
    expect(findMissingOptional(lock).map((entry) => entry.path)).toEqual([])
  })
})

describe('completeLockFile', () => {
  it('should add pinned optional entries for what a package declares and the lock lacks', () => {
    const lock: LockFile = {
      packages: {
        '': {},
        'node_modules/esbuild': {
          version: '0.28.2',
          dev: true,
          optionalDependencies: { '@esbuild/linux-x64': '0.28.2', '@esbuild/darwin-arm64': '0.28.2' },
        },
        'node_modules/@esbuild/linux-x64': { version: '0.28.2', dev: true, optional: true },
      },
    }
    expect(completeLockFile(lock)).toBe(1)
    expect(lock.packages['node_modules/@esbuild/darwin-arm64']).toEqual({
      version: '0.28.2',
      dev: true,
      optional: true,
    })
    expect(completeLockFile(lock)).toBe(0)
  })
})
