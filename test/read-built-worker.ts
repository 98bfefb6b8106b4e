import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { unzipTo } from './unzip'

export const WORKERS_ZIP = 'cloudflare-workers.zip'

export interface BuiltWorker {
  /** worker.js as a user pastes or deploys it. */
  readonly script: string
  readonly wranglerToml: string
  /** From wrangler.toml, so tests run the date and flags users deploy with. */
  readonly compatibilityDate: string
  readonly compatibilityFlags: readonly string[]
  /** Entry names in the zip, in stored order. */
  readonly entries: readonly string[]
}

/** Opens the built cloudflare-workers.zip the way a user does and reads what is inside. */
export async function readBuiltWorker(artifactsDir: string): Promise<BuiltWorker> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'oxy-worker-'))
  try {
    const entries = await unzipTo(path.join(artifactsDir, WORKERS_ZIP), dir)
    const script = await readFile(path.join(dir, 'worker.js'), 'utf8')
    const wranglerToml = await readFile(path.join(dir, 'wrangler.toml'), 'utf8')
    return {
      script,
      wranglerToml,
      compatibilityDate: readCompatibilityDate(wranglerToml),
      compatibilityFlags: readCompatibilityFlags(wranglerToml),
      entries: entries.map((entry) => entry.name),
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

function readCompatibilityDate(wranglerToml: string): string {
  const date = /^compatibility_date\s*=\s*"(\d{4}-\d{2}-\d{2})"/m.exec(wranglerToml)?.[1]
  if (!date) throw new Error('wrangler.toml has no compatibility_date = "YYYY-MM-DD"')
  return date
}

function readCompatibilityFlags(wranglerToml: string): string[] {
  const list = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(wranglerToml)?.[1] ?? ''
  return [...list.matchAll(/"([^"]+)"/g)].map((match) => match[1]!)
}
