import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { unzipTo } from '../test/unzip'
import { buildAll, CHECKSUMS_FILE } from './build-all'
import { checkShellScript } from './check-script'
import { formatTable } from './format-table'
import { TARGETS } from './targets'
import { DEFAULT_ENTRY_DATE, entryDate } from './write-zip'

const ROOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

let scratch: string
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'oxy-build-test-'))
})
afterAll(() => rm(scratch, { recursive: true, force: true }))

describe('buildAll', () => {
  it('should rebuild bit-identical zips and SHA256SUMS', async () => {
    const first = inject('artifactsDir')
    const again = path.join(scratch, 'again')
    await buildAll({ rootDir: ROOT_DIR, outDir: again })
    for (const name of [...TARGETS.map((target) => target.zip), CHECKSUMS_FILE]) {
      const [a, b] = await Promise.all([readFile(path.join(first, name)), readFile(path.join(again, name))])
      expect(a.equals(b), name).toBe(true)
    }
  })

  it('should list every zip in SHA256SUMS with its real digest', async () => {
    const dir = inject('artifactsDir')
    const lines = (await readFile(path.join(dir, CHECKSUMS_FILE), 'utf8')).trimEnd().split('\n')
    expect(lines.map((line) => line.split('  ')[1])).toEqual(TARGETS.map((target) => target.zip))
    for (const line of lines) {
      const [digest, name] = line.split('  ')
      const data = await readFile(path.join(dir, name!))
      expect(createHash('sha256').update(data).digest('hex'), name).toBe(digest)
    }
  })

  it('should give every entry the fixed time, and carry no node_modules or folders', async () => {
    for (const target of TARGETS) {
      const entries = await unzipTo(
        path.join(inject('artifactsDir'), target.zip),
        await mkdtemp(path.join(scratch, 'unzip-')),
      )
      expect(entries.map((entry) => entry.name).sort(), target.zip).toEqual(
        [
          ...target.files.map((file) => file.name),
          target.bundle.name,
          ...(target.bundle.chunks ?? []).map((chunk) => chunk.name),
        ].sort(),
      )
      for (const entry of entries) {
        expect(entry.lastModified.getTime(), entry.name).toBe(DEFAULT_ENTRY_DATE.getTime())
        expect(entry.madeBy, entry.name).toBe(3)
      }
    }
  })

  it('should refuse to pack a start script with CRLF endings', async () => {
    const script = path.join(scratch, 'crlf_bootstrap')
    await writeFile(script, '#!/bin/bash\r\nexec node oxy.mjs\r\n')
    const target = {
      ...TARGETS[0]!,
      zip: 'crlf.zip',
      files: [{ source: path.relative(ROOT_DIR, script), name: 'scf_bootstrap', executable: true }],
    }
    await expect(buildAll({ rootDir: ROOT_DIR, outDir: scratch, targets: [target] })).rejects.toThrow(/LF/)
  })
})

describe('checkShellScript', () => {
  it('should accept a bash script with LF endings', () => {
    expect(() => checkShellScript('ok', '#!/bin/bash\nexec node oxy.mjs\n')).not.toThrow()
  })

  it('should refuse CR characters anywhere', () => {
    expect(() => checkShellScript('crlf', '#!/bin/bash\nexec node oxy.mjs\r\n')).toThrow(/LF/)
  })

  it('should refuse a script without #!/bin/bash on its first line', () => {
    expect(() => checkShellScript('sh', '#!/bin/sh\nexec node oxy.mjs\n')).toThrow(/#!\/bin\/bash/)
    expect(() => checkShellScript('none', 'exec node oxy.mjs\n')).toThrow(/#!\/bin\/bash/)
  })
})

describe('entryDate', () => {
  it('should use SOURCE_DATE_EPOCH when it is set and after 1980', () => {
    expect(entryDate({ SOURCE_DATE_EPOCH: '1700000000' }).toISOString()).toBe('2023-11-14T22:13:20.000Z')
    expect(entryDate({ SOURCE_DATE_EPOCH: '100' })).toBe(DEFAULT_ENTRY_DATE)
    expect(entryDate({ SOURCE_DATE_EPOCH: 'yesterday' })).toBe(DEFAULT_ENTRY_DATE)
    expect(entryDate({})).toBe(DEFAULT_ENTRY_DATE)
  })
})

describe('formatTable', () => {
  it('should print one aligned row per zip with its size', () => {
    const table = formatTable([
      { platform: 'Tencent Cloud SCF', zip: 'tencent-scf.zip', bytes: 10_854 },
      { platform: 'AWS Lambda', zip: 'aws-lambda.zip', bytes: 900 },
    ])
    const lines = table.split('\n')
    expect(lines).toHaveLength(3)
    expect(lines[1]).toMatch(/^Tencent Cloud SCF +tencent-scf\.zip +10\.6 KB$/)
    expect(lines[2]).toMatch(/^AWS Lambda +aws-lambda\.zip +900 B$/)
    // Columns line up: every zip name starts at the same offset.
    expect(new Set(lines.map((line) => line.search(/zip|tencent|aws-lambda\.zip/))).size).toBe(1)
  })
})
