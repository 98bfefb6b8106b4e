/**
 * One row per platform: what goes into its zip. The build, the artifact tests and the guides all
 * read this table, so a file named here is a file a user uploads.
 */

export interface BundleSpec {
  /** TypeScript entry, relative to the repository root. */
  readonly entry: string
  /** File name inside the zip. */
  readonly name: string
  /**
   * Lambda loads `.js` as CommonJS; SCF and FC start `.cjs` from their scripts, and so do users
   * of the self-hosted `node oxy.cjs`; the web bundles are ES modules. The extension decides, so
   * no package.json is needed.
   */
  readonly format: 'esm' | 'cjs'
  /**
   * Node unless said otherwise; `workers` bundles for the Workers runtime (no node:* builtins);
   * `web` the same way, for other web-standard runtimes (Deno, Netlify Edge Functions).
   */
  readonly runtime?: 'node' | 'workers' | 'web'
  /** Modules bundled into files of their own beside the bundle, imported only when needed. */
  readonly chunks?: readonly LazyChunk[]
  /** Module paths (suffixes) bundled as another file instead, relative to the repository root. */
  readonly replace?: Readonly<Record<string, string>>
}

/**
 * A module the bundle imports with `await import()` only when the config asks for it, built as
 * its own file so that a proxy that never needs it neither parses it nor carries its bytes.
 */
export interface LazyChunk {
  /** TypeScript source, relative to the repository root; imports of it become `./<name>`. */
  readonly source: string
  /** File name inside the zip, beside the bundle. */
  readonly name: string
}

/** Per-key limits and the Redis client (docs/limits.md): loaded only when OXY_KEY_RULES sets a limit. */
export const LIMITS_SOURCE = 'core/limits/limits-chunk.ts'

/** The status page's HTML (core/engines/with-page-body.ts): loaded only when a browser asks for `/`. */
export const PAGE_SOURCE = 'core/policy/render-status-page.ts'

/**
 * The format of a bundle started by `node <file>` (SCF's and FC's scripts, the self-hosted
 * server) is ours to pick: CommonJS (`.cjs`, whatever package.json may sit nearby). A CommonJS
 * main never starts Node's ES module loader nor builds the namespace of each builtin it
 * imports: ~12 M fewer instructions per cold start than the same bundle as `.mjs` (of ~183 M,
 * callgrind; the self-hosted bundle's start in wall time: docs/benchmarks.md).
 */
const NODE_STARTED_CHUNKS: readonly LazyChunk[] = [
  { source: LIMITS_SOURCE, name: 'oxy-limits.cjs' },
  { source: PAGE_SOURCE, name: 'oxy-page.cjs' },
]

/** One-file bundles render the status page from their own code: nothing lies beside them. */
const INLINE_PAGE: Readonly<Record<string, string>> = {
  'core/engines/with-page-body': 'core/engines/with-page-body-inline.ts',
}

/** `oxy doctor` and `oxy usage` (adapters/node/main.ts): loaded only when the command line asks for one. */
const CLI_CHUNK: LazyChunk = { source: 'adapters/node/cli-chunk.ts', name: 'oxy-cli.cjs' }

export interface CopiedFile {
  /** Source, relative to the repository root. */
  readonly source: string
  /** File name inside the zip. */
  readonly name: string
  /** Shell scripts the platform executes: mode 0755, LF only, `#!/bin/bash`. */
  readonly executable: boolean
}

export interface BuildTarget {
  /** Shown in the build's table. */
  readonly platform: string
  readonly zip: string
  readonly bundle: BundleSpec
  readonly files: readonly CopiedFile[]
}

/** Oldest Node any target runs: SCF's node18 and FC's nodejs18 are still offered. */
export const NODE_TARGET = 'node18'

export const TARGETS: readonly BuildTarget[] = [
  {
    platform: 'Tencent Cloud SCF (Web function)',
    zip: 'tencent-scf.zip',
    bundle: {
      entry: 'adapters/tencent-scf/main.ts',
      name: 'oxy.cjs',
      format: 'cjs',
      chunks: NODE_STARTED_CHUNKS,
    },
    // https://cloud.tencent.com/document/product/583/56126: scf_bootstrap at the zip root.
    files: [{ source: 'adapters/tencent-scf/scf_bootstrap', name: 'scf_bootstrap', executable: true }],
  },
  {
    platform: 'Aliyun FC 3.0 (custom runtime)',
    zip: 'aliyun-fc.zip',
    bundle: {
      entry: 'adapters/aliyun-fc/main.ts',
      name: 'oxy.cjs',
      format: 'cjs',
      chunks: NODE_STARTED_CHUNKS,
    },
    // https://help.aliyun.com/document_detail/2513503.html: the start command users type is
    // /code/main; FC runs /code/bootstrap when none is set. Both start the same server.
    files: [
      { source: 'adapters/aliyun-fc/bootstrap', name: 'main', executable: true },
      { source: 'adapters/aliyun-fc/bootstrap', name: 'bootstrap', executable: true },
    ],
  },
  {
    platform: 'AWS Lambda (Node.js 22.x, 24.x)',
    zip: 'aws-lambda.zip',
    // Handlers are index.handler and index.streamHandler.
    bundle: {
      entry: 'adapters/aws-lambda/index.ts',
      name: 'index.js',
      format: 'cjs',
      chunks: [
        { source: LIMITS_SOURCE, name: 'oxy-limits.js' },
        { source: PAGE_SOURCE, name: 'oxy-page.js' },
      ],
    },
    files: [],
  },
  {
    platform: 'Self-hosted (Node.js 18+)',
    zip: 'node-server.zip',
    bundle: {
      entry: 'adapters/node/main.ts',
      name: 'oxy.cjs',
      format: 'cjs',
      chunks: [...NODE_STARTED_CHUNKS, CLI_CHUNK],
    },
    files: [
      { source: 'build/node-server-readme.md', name: 'README.md', executable: false },
      // The name this bundle had until 2026-12: units and scripts that say `node oxy.mjs` still start it.
      { source: 'adapters/node/oxy.mjs', name: 'oxy.mjs', executable: false },
    ],
  },
  {
    platform: 'Cloudflare Workers',
    zip: 'cloudflare-workers.zip',
    // worker.js alone is what users paste into the dashboard editor; `wrangler deploy` reads
    // wrangler.toml beside it: https://developers.cloudflare.com/workers/wrangler/configuration/
    bundle: {
      entry: 'adapters/cloudflare-workers/worker.ts',
      name: 'worker.js',
      format: 'esm',
      runtime: 'workers',
      replace: INLINE_PAGE,
    },
    files: [
      { source: 'adapters/cloudflare-workers/wrangler.toml', name: 'wrangler.toml', executable: false },
    ],
  },
  {
    platform: 'Deno (deno serve, Deno Deploy)',
    zip: 'deno.zip',
    // One file with `export default { fetch }`: `deno serve main.js` and Deno Deploy's entry point.
    bundle: {
      entry: 'adapters/deno/main.ts',
      name: 'main.js',
      format: 'esm',
      runtime: 'web',
      replace: INLINE_PAGE,
    },
    files: [],
  },
  {
    platform: 'Vercel (Node.js function)',
    zip: 'vercel.zip',
    // A project folder for `vercel deploy` or the dashboard's import: every path is rewritten to
    // the one function under api/, which Vercel's Node.js runtime calls with a Web Request.
    bundle: { entry: 'adapters/vercel/main.ts', name: 'api/oxy.js', format: 'esm', replace: INLINE_PAGE },
    files: [
      { source: 'adapters/vercel/vercel.json', name: 'vercel.json', executable: false },
      { source: 'adapters/vercel/package.json', name: 'package.json', executable: false },
    ],
  },
  {
    platform: 'Netlify (Edge Function)',
    zip: 'netlify.zip',
    // A site folder for `netlify deploy`: one Edge Function (Deno) on every path; public/ holds a
    // page that only shows when the function was not deployed.
    bundle: {
      entry: 'adapters/netlify/main.ts',
      name: 'netlify/edge-functions/oxy.js',
      format: 'esm',
      runtime: 'web',
      replace: INLINE_PAGE,
    },
    files: [
      { source: 'adapters/netlify/netlify.toml', name: 'netlify.toml', executable: false },
      { source: 'adapters/netlify/index.html', name: 'public/index.html', executable: false },
    ],
  },
]
