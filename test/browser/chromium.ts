import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { BrowserContext } from 'playwright-core'
import { chromium } from 'playwright-core'

/** Debian's package; playwright-core brings no browser of its own. OXY_CHROMIUM overrides. */
export const CHROMIUM_PATH = process.env.OXY_CHROMIUM ?? '/usr/bin/chromium'

/**
 * Flags for a quiet, reproducible headless run in a container: no sandbox (CI runs as root), no
 * GPU, and nothing that phones home or updates itself while a test runs.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** apt-get on a fresh machine: the package index may need a refresh first. */
const INSTALL_TIMEOUT_MS = 600_000

/**
 * The path of a Chromium to drive, installing Debian's package when it is missing and we are
 * root (as on CI); undefined, with the reason printed loudly, when there is none to be had.
 */
export function ensureChromium(): string | undefined {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH
  // A path the user chose is theirs to provide; only Debian's own is installed here.
  const reason = process.env.OXY_CHROMIUM
    ? 'OXY_CHROMIUM names a file that does not exist.'
    : (installChromium() ?? `apt-get installed chromium, but ${CHROMIUM_PATH} is still missing.`)
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH
  const banner = '!'.repeat(78)
  process.stderr.write(
    `\n${banner}\n!! SKIPPING BROWSER TESTS: no Chromium at ${CHROMIUM_PATH}.\n!! ${reason}\n` +
      `!! Install it with: apt-get update && apt-get install -y chromium (or set OXY_CHROMIUM).\n${banner}\n\n`,
  )
  return undefined
}

/** Installs Debian's chromium; undefined when that worked, else why not. */
function installChromium(): string | undefined {
  if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) return 'apt-get is not available here.'
  if (process.getuid?.() !== 0) return 'Not root, so it cannot be installed automatically.'
  process.stderr.write(`oxy tests: installing chromium with apt-get (once per machine)...\n`)
  const run = (args: string[]) =>
    execFileSync('apt-get', args, {
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: INSTALL_TIMEOUT_MS,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    })
  try {
    run(['install', '-y', 'chromium'])
    return undefined
  } catch {
    try {
      run(['update'])
      run(['install', '-y', 'chromium'])
      return undefined
    } catch (error) {
      return `apt-get install -y chromium failed: ${error instanceof Error ? error.message : String(error)}`
    }
  }
}

export interface Browser {
  readonly context: BrowserContext
  close(): Promise<void>
}

/** One headless Chromium with a fresh profile directory, removed on close. */
export async function launchBrowser(executablePath: string): Promise<Browser> {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'oxy-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 900, height: 900 },
  })
  return {
    context,
    async close() {
      await context.close()
      await rm(profile, { recursive: true, force: true })
    },
  }
}
