import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { copyFile, mkdir, readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { TARGETS } from '../build/targets'
import { unzipTo } from '../test/unzip'
import { track } from './processes'

const ROOT = path.resolve(import.meta.dirname, '..')
const BUILD_TIMEOUT_MS = 120_000

/** One unpacked artifact: where it is, and what it is called in the table. */
export interface Artifact {
  readonly zip: string
  readonly dir: string
  readonly zipBytes: number
  /** The JavaScript bundle inside, with its size: what the 60 KB target is about. */
  readonly bundle: { readonly name: string; readonly bytes: number } | undefined
}

/**
 * The bundle inside a zip, as the build's table names it: not the first script in the zip, which
 * in node-server.zip is oxy.mjs, the two lines that load oxy.cjs for the bundle's old name.
 */
const bundleOf = (zip: string) => TARGETS.find((target) => target.zip === zip)?.bundle.name

/**
 * The zips to measure: built fresh from this working tree with `npm run build -- <dir>` (so the
 * numbers describe this code, not a stale dist-zips/), else the ones already in dist-zips/, else
 * none (the caller then measures its own node bundle).
 */
export async function findArtifacts(workDir: string, log: (message: string) => void): Promise<Artifact[]> {
  const built = path.join(workDir, 'zips')
  let zipDir: string | undefined
  if (existsSync(path.join(ROOT, 'build', 'build.ts'))) {
    const ok = await runBuild(built)
    if (ok) zipDir = built
    else log('  npm run build failed; looking in dist-zips/')
  }
  if (!zipDir && existsSync(path.join(ROOT, 'dist-zips'))) zipDir = path.join(ROOT, 'dist-zips')
  if (!zipDir) return []
  const zips = (await readdir(zipDir)).filter((name) => name.endsWith('.zip')).sort()
  return Promise.all(
    zips.map(async (zip) => {
      const dir = path.join(workDir, 'unzipped', path.basename(zip, '.zip'))
      await mkdir(dir, { recursive: true })
      const entries = await unzipTo(path.join(zipDir, zip), dir)
      const named = bundleOf(zip)
      const bundleName = entries.some((entry) => entry.name === named) ? named : undefined
      return {
        zip,
        dir,
        zipBytes: (await stat(path.join(zipDir, zip))).size,
        bundle: bundleName
          ? { name: bundleName, bytes: (await stat(path.join(dir, bundleName))).size }
          : undefined,
      }
    }),
  )
}

function runBuild(outDir: string): Promise<boolean> {
  const child = track(
    spawn('npm', ['run', '--silent', 'build', '--', outDir], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
  )
  const guard = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS)
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(guard)
      resolve(code === 0)
    }),
  )
}

/** The artifacts to boot, and where they came from (for the report). */
export interface ArtifactSet {
  readonly artifacts: Artifact[]
  readonly source: string
}

/**
 * The built zips, or, when there is no build, the bench's own esbuild bundle of the self-hosted
 * server standing in for node-server.zip.
 */
export async function loadArtifacts(
  workDir: string,
  oxyBundle: string,
  log: (message: string) => void,
): Promise<ArtifactSet> {
  const artifacts = await findArtifacts(workDir, log)
  if (artifacts.length > 0) return { artifacts, source: 'npm run build (this working tree)' }
  const dir = path.join(workDir, 'own-bundle')
  await mkdir(dir, { recursive: true })
  await copyFile(oxyBundle, path.join(dir, 'oxy.mjs'))
  return {
    artifacts: [
      {
        zip: 'node-server.zip',
        dir,
        zipBytes: 0,
        bundle: { name: 'oxy.mjs', bytes: (await stat(oxyBundle)).size },
      },
    ],
    source: "the bench's own esbuild bundle of adapters/node/main.ts (no build/ output found)",
  }
}
