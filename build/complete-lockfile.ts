import { readFileSync, writeFileSync } from 'node:fs'

/**
 * npm leaves out of package-lock.json the optional platform packages it could not resolve
 * (npm/cli#8320; a registry mirror without other platforms' binaries makes it certain), and
 * `npm ci` then refuses the lock file on every machine. This adds an entry for each declared
 * optional dependency that is missing, pinned to the declared version; `npm ci` installs the
 * one for its own platform and skips the rest.
 *
 * Run after `npm install`: `npm run lock:complete`.
 */

export interface LockFile {
  packages: Record<string, LockEntry>
}

interface LockEntry {
  version?: string
  dev?: boolean
  optional?: boolean
  optionalDependencies?: Record<string, string>
}

/** Optional dependencies named by a locked package but absent from the lock file. */
export function findMissingOptional(lock: LockFile): { path: string; version: string; dev: boolean }[] {
  const missing = new Map<string, { path: string; version: string; dev: boolean }>()
  for (const [path, entry] of Object.entries(lock.packages)) {
    for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
      const nested = `${path ? `${path}/` : ''}node_modules/${name}`
      const hoisted = `node_modules/${name}`
      if (lock.packages[nested] || lock.packages[hoisted] || missing.has(hoisted)) continue
      missing.set(hoisted, { path: hoisted, version: spec.replace(/^[\^~=]/, ''), dev: entry.dev === true })
    }
  }
  return [...missing.values()]
}

export function completeLockFile(lock: LockFile): number {
  const missing = findMissingOptional(lock)
  for (const { path, version, dev } of missing) {
    lock.packages[path] = { version, ...(dev ? { dev: true } : {}), optional: true }
  }
  lock.packages = Object.fromEntries(
    Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
  )
  return missing.length
}

if (process.argv[1]?.endsWith('complete-lockfile.ts')) {
  const file = new URL('../package-lock.json', import.meta.url)
  const lock = JSON.parse(readFileSync(file, 'utf8')) as LockFile
  const added = completeLockFile(lock)
  writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`)
  process.stdout.write(`package-lock.json: added ${added} missing optional platform entries\n`)
}
