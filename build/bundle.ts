import path from 'node:path'
import * as esbuild from 'esbuild'
import { WORKER_BUILD_OPTIONS } from '../adapters/cloudflare-workers/build-options'
import { VERSION } from '../core'
import type { BundleSpec, LazyChunk } from './targets'
import { NODE_TARGET } from './targets'

/** Imports of a chunk's source stay imports, of the chunk's file beside the bundle. */
function externalChunks(chunks: readonly LazyChunk[], rootDir: string): esbuild.Plugin {
  const byPath = new Map(
    chunks.map((chunk) => [path.join(rootDir, chunk.source).replace(/\.ts$/, ''), chunk]),
  )
  return {
    name: 'oxy-external-chunks',
    setup(build) {
      build.onResolve({ filter: /^\./ }, (args) => {
        const chunk = byPath.get(path.join(args.resolveDir, args.path).replace(/\.ts$/, ''))
        return chunk ? { path: `./${chunk.name}`, external: true } : undefined
      })
    },
  }
}

/** Bundles another file in place of a module: a dependency's code for the one case we use. */
function replaceModules(replace: Readonly<Record<string, string>>, rootDir: string): esbuild.Plugin {
  const entries = Object.entries(replace)
  return {
    name: 'oxy-replace-modules',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        const resolved = path.join(args.resolveDir, args.path)
        const match = entries.find(
          ([suffix]) => resolved.endsWith(suffix) || resolved.endsWith(`${suffix}.js`),
        )
        return match ? { path: path.join(rootDir, match[1]) } : undefined
      })
    },
  }
}

/** Bundles one entry with everything it imports into a single file, node_modules included. */
export async function bundleEntry(spec: BundleSpec, rootDir: string): Promise<Buffer> {
  const result = await esbuild.build({
    absWorkingDir: rootDir,
    entryPoints: [path.join(rootDir, spec.entry)],
    ...(isWebRuntime(spec) ? WORKER_BUILD_OPTIONS : { platform: 'node', target: NODE_TARGET }),
    bundle: true,
    format: spec.format,
    // In CommonJS, import() first starts Node's ES module loader (~11 M instructions, callgrind):
    // a lazy chunk or builtin is required instead, the way any CommonJS code loads it.
    ...(spec.format === 'cjs' ? { supported: { 'dynamic-import': false } } : {}),
    write: false,
    // Node bundles are minified: parse time is cold-start time on a 128 MB function, and the
    // size budget is 60 KB (docs/benchmarks.md). worker.js stays readable: users paste it into
    // the Workers dashboard editor, and Deno's and Netlify's files are read the same way. Names
    // survive, so stack traces still say where.
    minify: !isWebRuntime(spec),
    plugins: [
      ...(spec.chunks ? [externalChunks(spec.chunks, rootDir)] : []),
      ...(spec.replace ? [replaceModules(spec.replace, rootDir)] : []),
    ],
    // A bundled dependency's license notice travels with its code.
    legalComments: 'eof',
    banner: { js: `// oxy ${VERSION}: a reverse proxy for the OpenAI API.` },
    logLevel: 'warning',
  })
  const [output] = result.outputFiles
  if (!output) throw new Error(`esbuild wrote nothing for ${spec.entry}`)
  return Buffer.from(output.contents)
}

/** A chunk, bundled the way its bundle is (same format and platform). */
export function bundleChunk(spec: BundleSpec, chunk: LazyChunk, rootDir: string): Promise<Buffer> {
  const { chunks: _chunks, ...rest } = spec
  return bundleEntry({ ...rest, entry: chunk.source, name: chunk.name }, rootDir)
}

/** Workers, Deno and Netlify Edge: one ES module, no node:* builtins, readable. */
function isWebRuntime(spec: BundleSpec): boolean {
  return spec.runtime === 'workers' || spec.runtime === 'web'
}
