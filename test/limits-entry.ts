import { loadLimiter } from '../core/limits/load-limiter'
import { parseLimitsConfig } from '../core/policy'

/**
 * A minimal program that loads limits the way the adapters do, for build/lazy-chunks.test.ts:
 * prints "no limits", or what two requests of key "a" got. No top-level await: it is also
 * bundled as CommonJS, like Lambda's index.js.
 */
async function main(): Promise<void> {
  const config = parseLimitsConfig(process.env)
  if (!config) {
    process.stdout.write('no limits\n')
    return
  }
  const limiter = await loadLimiter(config, (level, msg) => process.stderr.write(`${level} ${msg}\n`))
  const first = await limiter.admit('a')
  const second = await limiter.admit('a')
  process.stdout.write(`${[first, second].map((refusal) => refusal?.error.code ?? 'admitted').join(',')}\n`)
  await limiter.close()
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
