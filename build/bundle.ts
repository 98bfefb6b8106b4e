import path from 'node:path'
import * as esbuild from 'esbuild'
import { WORKER_BUILD_OPTIONS } from '../adapters/cloudflare-workers/build-options'
import { VERSION } from '../core'
import type { BundleSpec } from './targets'
import { NODE_TARGET } from './targets'

/** Bundles one entry with everything it imports into a single file, node_modules included. */
export async function bundleEntry(spec: BundleSpec, rootDir: string): Promise<Buffer> {
  const result = await esbuild.build({
    absWorkingDir: rootDir,
    entryPoints: [path.join(rootDir, spec.entry)],
    ...(spec.runtime === 'workers' ? WORKER_BUILD_OPTIONS : { platform: 'node', target: NODE_TARGET }),
    bundle: true,
    format: spec.format,
    write: false,
    // Readable in the cloud consoles' code viewers; the bundles are small either way.
    minify: false,
    // serverless-http is MIT: its notice travels with its code.
    legalComments: 'eof',
    banner: { js: `// oxy ${VERSION}: a reverse proxy for the OpenAI API.` },
    logLevel: 'warning',
  })
  const [output] = result.outputFiles
  if (!output) throw new Error(`esbuild wrote nothing for ${spec.entry}`)
  return Buffer.from(output.contents)
}
