import type { Env, PlatformDefaults, ProxyConfig } from '../policy'
import { loadConfig } from '../policy'
import { VERSION } from '../version'
import { capYoungGenerationWhenBusy, parseYoungGeneration } from './cap-young-generation'
import { createLogger } from './logger'
import type { RunningServer } from './start-server'
import { startServer } from './start-server'

/**
 * Starts oxy as a long-running HTTP server from the environment. Every adapter that runs a
 * server of its own (self-hosted, and the function platforms that start one) calls this with its
 * defaults; they differ in nothing else.
 */
export async function runServer(env: Env, defaults: PlatformDefaults = {}): Promise<RunningServer> {
  const config = loadConfigOrExit(env, defaults)
  let youngGeneration: ReturnType<typeof parseYoungGeneration>
  try {
    youngGeneration = parseYoungGeneration(env)
  } catch (error) {
    process.stderr.write(`oxy: ${(error as Error).message}\n`)
    process.exit(1)
  }
  const logger = createLogger(config.log)
  const running = await startServer(config, logger)
  if (youngGeneration === 'small') capYoungGenerationWhenBusy(running.server)
  logger.event('info', 'listening', {
    url: running.url,
    target: config.target.origin + config.target.basePath,
    version: VERSION,
  })

  const shutdown = (signal: NodeJS.Signals) => {
    logger.event('info', 'draining', { signal })
    running.close().then(() => {
      logger.event('info', 'stopped', { signal })
      process.exit(0)
    })
  }
  process.once('SIGTERM', shutdown)
  process.once('SIGINT', shutdown)
  return running
}

/** A server cannot answer with a bad config: it says which variable is wrong and exits 1. */
export function loadConfigOrExit(env: Env, defaults: PlatformDefaults = {}): ProxyConfig {
  const loaded = loadConfig(env, defaults)
  if (loaded.ok) return loaded.config
  process.stderr.write(`oxy: ${loaded.error.message}\n`)
  process.exit(1)
}
