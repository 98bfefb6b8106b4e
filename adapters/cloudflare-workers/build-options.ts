import type { BuildOptions } from 'esbuild'

/**
 * esbuild settings for worker.js: one ES module with nothing left to import, for the Workers
 * runtime (no node:* builtins, no process), unminified because users paste it into the dashboard
 * editor and should be able to read what they deploy.
 * https://developers.cloudflare.com/workers/reference/migrate-to-module-workers/
 */
export const WORKER_BUILD_OPTIONS = {
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  // Workers run a current V8; ES2022 keeps the output close to the TypeScript source.
  target: 'es2022',
  minify: false,
  // Resolve packages the way a browser-like runtime would, if any are ever imported.
  mainFields: ['browser', 'module', 'main'],
  conditions: ['workerd', 'worker', 'browser'],
} as const satisfies BuildOptions
