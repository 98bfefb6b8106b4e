import type { Env, PlatformDefaults } from '../../core'
import { ConfigError, parseConfig, VERSION } from '../../core'
import { capYoungGenerationWhenBusy, parseYoungGeneration } from './cap-young-generation'
import { createLogger } from './logger'
import type { RunningServer } from './server'
import { startServer } from './server'

/**
 * Starts oxy as a long-running HTTP server from the environment: the self-hosted CLI, and the
 * Tencent SCF and Aliyun FC adapters, which differ only in their defaults.
 */
export async function runServer(env: Env, defaults: PlatformDefaults = {}): Promise<RunningServer> {
  let config: ReturnType<typeof parseConfig>
  let youngGeneration: ReturnType<typeof parseYoungGeneration>
  try {
    config = parseConfig(env, defaults)
    youngGeneration = parseYoungGeneration(env)
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`oxy: ${error.message}\n`)
      process.exit(1)
    }
    throw error
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
