import { createWriteStream } from 'node:fs'
import { chmod, mkdir } from 'node:fs/promises'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import yauzl from 'yauzl'

export interface UnzippedEntry {
  readonly name: string
  /** Unix permission bits from the entry's external attributes, e.g. 0o755. */
  readonly mode: number
  /** `3` when made on Unix; a zip made elsewhere carries no modes at all. */
  readonly madeBy: number
  readonly lastModified: Date
}

/**
 * Extracts a zip the way a cloud console does, keeping each entry's Unix mode, and lists its
 * entries in the order stored. yauzl is an independent reader: what it accepts, unzip accepts.
 */
export async function unzipTo(zipFile: string, dir: string): Promise<UnzippedEntry[]> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(zipFile, { lazyEntries: true, strictFileNames: true }, (error, opened) =>
      error ? reject(error) : resolve(opened),
    ),
  )
  const entries: UnzippedEntry[] = []
  try {
    for (let entry = await nextEntry(zip); entry; entry = await nextEntry(zip)) {
      const mode = (entry.externalFileAttributes >>> 16) & 0o7777
      entries.push({
        name: entry.fileName,
        mode,
        madeBy: entry.versionMadeBy >> 8,
        lastModified: entry.getLastModDate({ forceDosFormat: true, timezone: 'UTC' }),
      })
      const target = path.join(dir, entry.fileName)
      if (!target.startsWith(dir + path.sep)) throw new Error(`unsafe entry name ${entry.fileName}`)
      await mkdir(path.dirname(target), { recursive: true })
      const source = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
        zip.openReadStream(entry, (error, stream) => (error ? reject(error) : resolve(stream))),
      )
      await pipeline(source, createWriteStream(target))
      await chmod(target, mode)
    }
  } finally {
    zip.close()
  }
  return entries
}

function nextEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | undefined> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      zip.off('entry', onEntry)
      zip.off('end', onEnd)
      zip.off('error', onError)
    }
    const onEntry = (entry: yauzl.Entry) => {
      cleanup()
      resolve(entry)
    }
    const onEnd = () => {
      cleanup()
      resolve(undefined)
    }
    const onError = (error: Error) => {
      cleanup()
      reject(error)
    }
    zip.on('entry', onEntry)
    zip.on('end', onEnd)
    zip.on('error', onError)
    zip.readEntry()
  })
}
