import type { Env, PlatformDefaults } from '../policy'
import { ConfigError, parseConfig } from '../policy'
import { VERSION } from '../version'
import { createLogger } from './logger'
import type { RunningServer } from './start-server'
import { startServer } from './start-server'

/**
 * Starts oxy as a long-running HTTP server from the environment. Every adapter that runs a
 * server of its own (self-hosted, and the function platforms that start one) calls this with its
 * defaults; they differ in nothing else.
 */
export async function runServer(env: Env, defaults: PlatformDefaults = {}): Promise<RunningServer> {
  let config: ReturnType<typeof parseConfig>
  try {
    config = parseConfig(env, defaults)
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`oxy: ${error.message}\n`)
      process.exit(1)
    }
    throw error
  }
  const logger = createLogger(config.log)
  const running = await startServer(config, logger)
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
