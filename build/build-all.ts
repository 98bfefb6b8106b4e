import { createHash } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { bundleChunk, bundleEntry } from './bundle'
import { checkShellScript } from './check-script'
import type { BuildTarget } from './targets'
import { TARGETS } from './targets'
import type { ZipEntry } from './write-zip'
import { entryDate, writeZip } from './write-zip'

export const CHECKSUMS_FILE = 'SHA256SUMS'

export interface BuiltZip {
  readonly platform: string
  readonly zip: string
  readonly file: string
  readonly bytes: number
  readonly sha256: string
}

export interface BuildOptions {
  readonly rootDir: string
  readonly outDir: string
  readonly targets?: readonly BuildTarget[]
  /** For SOURCE_DATE_EPOCH. */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Called with one line per step, so a person watching the build sees where it is. */
  readonly onProgress?: (line: string) => void
}

/** Builds every target's zip into outDir, then SHA256SUMS for them, in the table's order. */
export async function buildAll(options: BuildOptions): Promise<BuiltZip[]> {
  const { rootDir, outDir, targets = TARGETS, env = {}, onProgress } = options
  await mkdir(outDir, { recursive: true })
  const date = entryDate(env)
  const built = await Promise.all(
    targets.map(async (target) => {
      const file = path.join(outDir, target.zip)
      onProgress?.(`building ${target.zip} from ${target.bundle.entry}`)
      await writeZip(file, await collectEntries(target, rootDir), date)
      const data = await readFile(file)
      onProgress?.(`wrote ${target.zip}`)
      return {
        platform: target.platform,
        zip: target.zip,
        file,
        bytes: data.length,
        sha256: createHash('sha256').update(data).digest('hex'),
      }
    }),
  )
  // The format `sha256sum -c` reads: two spaces, then the name.
  const sums = built.map((zip) => `${zip.sha256}  ${zip.zip}\n`).join('')
  await writeFile(path.join(outDir, CHECKSUMS_FILE), sums)
  return built
}

async function collectEntries(target: BuildTarget, rootDir: string): Promise<ZipEntry[]> {
  const entries: ZipEntry[] = []
  // Start scripts first: they are what the platform looks for at the zip root.
  for (const file of target.files) {
    const data = await readSource(rootDir, file.source, target.zip)
    if (file.executable) checkShellScript(file.source, data.toString('utf8'))
    entries.push({ name: file.name, data, mode: file.executable ? 0o755 : 0o644 })
  }
  entries.push({
    name: target.bundle.name,
    data: await bundleFor(target, rootDir),
    mode: 0o644,
  })
  for (const chunk of target.bundle.chunks ?? []) {
    entries.push({ name: chunk.name, data: await bundleChunk(target.bundle, chunk, rootDir), mode: 0o644 })
  }
  return entries
}

/** A missing file in the table is named with the zip that wants it and where the table is. */
async function readSource(rootDir: string, source: string, zip: string): Promise<Buffer> {
  try {
    return await readFile(path.join(rootDir, source))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    throw new Error(
      `${source} does not exist, but build/targets.ts copies it into ${zip}. ` +
        'Fix: restore the file (git checkout -- <file>) or correct its path in build/targets.ts.',
    )
  }
}

/** esbuild's message names the file and line; say which zip it was for and what to run. */
async function bundleFor(target: BuildTarget, rootDir: string): Promise<Buffer> {
  try {
    return await bundleEntry(target.bundle, rootDir)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    throw new Error(
      `bundling ${target.bundle.entry} for ${target.zip} failed:\n${message}\n` +
        'Fix: the lines above name the file and line; `npx tsc --noEmit` shows type errors the same way.',
    )
  }
}
