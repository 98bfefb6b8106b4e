import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildAll } from './build-all'
import type { BuildTarget } from './targets'

/** A throwaway project: the build is pointed at it so its errors come from files we control. */
let root: string
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'oxy-build-messages-'))
  await writeFile(path.join(root, 'ok.ts'), 'export const ok = 1\n')
  await writeFile(path.join(root, 'broken.ts'), 'export const broken = (\n')
})
afterAll(() => rm(root, { recursive: true, force: true }))

const target = (overrides: Partial<BuildTarget>): BuildTarget => ({
  platform: 'test',
  zip: 'test.zip',
  bundle: { entry: 'ok.ts', name: 'oxy.mjs', format: 'esm' },
  files: [],
  ...overrides,
})

describe('buildAll messages', () => {
  it('should report progress for each zip, start and end', async () => {
    const lines: string[] = []
    await buildAll({
      rootDir: root,
      outDir: path.join(root, 'out'),
      targets: [target({})],
      onProgress: (line) => lines.push(line),
    })
    expect(lines).toEqual(['building test.zip from ok.ts', 'wrote test.zip'])
  })

  it('should name a missing file, the zip that wants it, and the fix', async () => {
    const missing = target({
      files: [{ source: 'gone/scf_bootstrap', name: 'scf_bootstrap', executable: true }],
    })
    await expect(
      buildAll({ rootDir: root, outDir: path.join(root, 'out'), targets: [missing] }),
    ).rejects.toThrow(
      /gone\/scf_bootstrap does not exist, but build\/targets\.ts copies it into test\.zip\. Fix: /,
    )
  })

  it("should name the entry, the zip and esbuild's file and line when bundling fails", async () => {
    const broken = target({ bundle: { entry: 'broken.ts', name: 'oxy.mjs', format: 'esm' } })
    const failure = buildAll({ rootDir: root, outDir: path.join(root, 'out'), targets: [broken] })
    await expect(failure).rejects.toThrow(
      /bundling broken\.ts for test\.zip failed:\n[\s\S]*broken\.ts:\d+:\d+/,
    )
    await expect(failure).rejects.toThrow(/Fix: /)
  })
})
