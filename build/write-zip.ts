import { createWriteStream } from 'node:fs'
import { finished } from 'node:stream/promises'
import archiver from 'archiver'

export interface ZipEntry {
  readonly name: string
  readonly data: Buffer
  /** Unix permission bits, e.g. 0o755. */
  readonly mode: number
}

/**
 * Every entry's timestamp: SOURCE_DATE_EPOCH when set (https://reproducible-builds.org/specs/source-date-epoch/),
 * else a constant, so rebuilding a commit gives the same bytes. Zip stores DOS times, which start in 1980.
 */
export const DEFAULT_ENTRY_DATE = new Date('2000-01-01T00:00:00Z')

export function entryDate(env: Readonly<Record<string, string | undefined>>): Date {
  const epoch = env.SOURCE_DATE_EPOCH
  if (epoch === undefined || !/^\d+$/.test(epoch)) return DEFAULT_ENTRY_DATE
  const date = new Date(Number(epoch) * 1000)
  return date < new Date('1980-01-01T00:00:00Z') ? DEFAULT_ENTRY_DATE : date
}

/** Writes entries in the order given, with fixed times and modes, so the output is reproducible. */
export async function writeZip(file: string, entries: readonly ZipEntry[], date: Date): Promise<void> {
  const archive = archiver('zip', { zlib: { level: 9 } })
  const output = createWriteStream(file)
  const done = finished(output)
  archive.on('warning', (error) => archive.destroy(error))
  archive.on('error', (error) => output.destroy(error))
  archive.pipe(output)
  for (const entry of entries) archive.append(entry.data, { name: entry.name, date, mode: entry.mode })
  await archive.finalize()
  await done
}
