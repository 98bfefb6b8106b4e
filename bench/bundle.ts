import path from 'node:path'
import * as esbuild from 'esbuild'

const ROOT = path.resolve(import.meta.dirname, '..')

/**
 * Every long-running process of the bench (upstream, oxy, http-proxy, the SSE client) runs as a
 * plain `node file.mjs`: under tsx each would carry a loader and an esbuild child process, which
 * would show up in the RSS and CPU being measured. oxy is bundled the way the node-server
 * artifact is (one ESM file, platform node, not minified).
 */
export const BUNDLES = {
  oxy: 'adapters/node/main.ts',
  upstream: 'bench/upstream.ts',
  httpProxy: 'bench/peers/http-proxy-server.ts',
  fastifyProxy: 'bench/peers/fastify-proxy-server.ts',
  sseClient: 'bench/sse-client.ts',
  tcpRelay: 'bench/peers/tcp-relay-server.ts',
  nodeHttpProxy: 'bench/peers/node-http-proxy-server.ts',
} as const

const REQUIRE_SHIM =
  "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"

export type BundleName = keyof typeof BUNDLES

export async function bundleAll(outDir: string): Promise<Record<BundleName, string>> {
  const entries = Object.entries(BUNDLES) as [BundleName, string][]
  const files = await Promise.all(
    entries.map(async ([name, entry]) => {
      const outfile = path.join(outDir, `${name}.mjs`)
      await esbuild.build({
        absWorkingDir: ROOT,
        entryPoints: [path.join(ROOT, entry)],
        bundle: true,
        format: 'esm',
        platform: 'node',
        target: 'node18',
        outfile,
        // The peers are CommonJS and call require() on builtins; oxy's bundle stays as built.
        ...(name === 'httpProxy' || name === 'fastifyProxy' ? { banner: { js: REQUIRE_SHIM } } : {}),
        logLevel: 'warning',
      })
      return [name, outfile] as const
    }),
  )
  return Object.fromEntries(files) as Record<BundleName, string>
}
