import type { Env } from '../../core'
import { ConfigError } from '../../core'
import { createLogger, loadConfigOrExit } from '../../core/server'

/**
 * A higher count than this is a typo, not a machine: every worker is a whole Node process (~40 MB).
 */
export const MAX_WORKERS = 256

/**
 * Set in each worker's environment by runPrimary. node:cluster's own marker (NODE_UNIQUE_ID) is
 * deleted before user code runs, and asking `cluster.isWorker` would load the module.
 */
const WORKER_MARKER = 'OXY_CLUSTER_WORKER'

/**
 * OXY_WORKERS: unset or empty runs one process; `auto` one worker per core the process may use
 * (os.availableParallelism honours CPU affinity); a number that many workers. node:os is imported
 * only for `auto`: a static import of it costs every start ~0.7 M instructions (callgrind).
 */
export async function parseWorkers(env: Env, cores?: number): Promise<number | undefined> {
  const value = env.OXY_WORKERS
  if (value === undefined || value.trim() === '') return undefined
  const trimmed = value.trim()
  if (trimmed.toLowerCase() === 'auto') {
    return Math.max(1, cores ?? (await import('node:os')).availableParallelism())
  }
  if (!/^\d+$/.test(trimmed) || Number(trimmed) < 1 || Number(trimmed) > MAX_WORKERS) {
    throw new ConfigError('OXY_WORKERS', value, `expected "auto" or a whole number from 1 to ${MAX_WORKERS}`)
  }
  return Number(trimmed)
}

/**
 * The cluster primary: forks `count` workers that each run the server on the shared port (Node's
 * round-robin hands them connections), and stops them all on SIGTERM/SIGINT. A worker that dies
 * after it listened is replaced; one that dies before it ever listened stops everything, since a
 * bad port or address would only crash-loop.
 */
export async function runPrimary(env: Env, count: number): Promise<void> {
  // Validated here once, so a bad variable exits 1 before any worker starts, not once per worker.
  const config = loadConfigOrExit(env)
  // Loaded only here: node:cluster brings child_process along, start-up work a single process skips.
  const { default: cluster } = await import('node:cluster')
  const logger = createLogger(config.log)
  let stopping = false
  let failed = false

  const fork = () => {
    const worker = cluster.fork({ [WORKER_MARKER]: '1' })
    let listened = false
    worker.once('listening', () => {
      listened = true
    })
    worker.once('exit', (code, signal) => {
      if (stopping) return exitWhenAllGone()
      if (!listened) {
        logger.event('error', 'worker failed to start', { pid: worker.process.pid, code, signal })
        failed = true
        return stop('SIGTERM')
      }
      logger.event('warn', 'worker died, starting another', { pid: worker.process.pid, code, signal })
      fork()
    })
  }

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return
    stopping = true
    logger.event('info', 'stopping workers', { signal })
    // Each worker drains its own in-flight requests on SIGTERM (see runServer), then exits 0.
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM')
    exitWhenAllGone()
  }

  const exitWhenAllGone = () => {
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(failed ? 1 : 0)
  }

  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
  logger.event('info', 'starting workers', { workers: count, pid: process.pid })
  for (let i = 0; i < count; i++) fork()
}

export const isClusterWorker = (): boolean => process.env[WORKER_MARKER] === '1'
