import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'
import { buildAll } from '../build/build-all'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where the globalSetup wrote this run's zips, built from the working tree. */
    artifactsDir: string
  }
}

const ROOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/**
 * vitest globalSetup: builds every zip once, into a temporary directory so a test run never
 * overwrites the user's dist-zips/, before any artifact test boots one.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const artifactsDir = await mkdtemp(path.join(os.tmpdir(), 'oxy-artifacts-'))
  await buildAll({ rootDir: ROOT_DIR, outDir: artifactsDir })
  project.provide('artifactsDir', artifactsDir)
  return () => rm(artifactsDir, { recursive: true, force: true })
}
