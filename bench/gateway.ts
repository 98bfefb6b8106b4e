import http from 'node:http'
import path from 'node:path'
import type { BundleName } from './bundle'
import { freePort, spawnTracked, stop, waitForPort } from './processes'
import type { Endpoint } from './targets'
import { startProxy } from './targets'

/**
 * Gateway mode (issue 13: named access keys, a pool of upstream keys, usage in a JSON log) and
 * per-key limits (issue 14: in memory, or Redis). The bench always knows how to start them: on a
 * build without those features the variables are only variables (a `name:token` access key is
 * then one long token), the probe below gets a 401, and the report says "not in this build".
 */
export type GatewayKind = 'oxy-gateway' | 'oxy-limits' | 'oxy-limits-redis'

/** What wrk and the probes send; the access key is named `bench`. */
export const GATEWAY_TOKEN = 'oxy-bench-access-key-0123456789'
const UPSTREAM_KEYS = 'sk-bench-pool-key-one,sk-bench-pool-key-two,sk-bench-pool-key-three'
/** Limits that a bench run never reaches: what is measured is the cost of counting. */
const GENEROUS = { rpm: 1_000_000_000, tpm: 1_000_000_000_000, tokens_per_day: 1_000_000_000_000 }

export function gatewayEnv(kind: GatewayKind, rules: object = { bench: GENEROUS }): Record<string, string> {
  const env: Record<string, string> = {
    OXY_ACCESS_KEYS: `bench:${GATEWAY_TOKEN}`,
    OXY_UPSTREAM_KEY: UPSTREAM_KEYS,
    OXY_LOG: 'json',
  }
  if (kind !== 'oxy-gateway') env.OXY_KEY_RULES = JSON.stringify(rules)
  return env
}

export interface GatewaySupport {
  /** The kinds this build runs, with the extra env each needs (Redis's URL). */
  readonly runnable: Partial<Record<GatewayKind, Record<string, string>>>
  /** Why a kind is not measured, for the report. */
  readonly skipped: Partial<Record<GatewayKind, string>>
  /** The Redis server started for the run, if any; stop it at the end. */
  readonly redis: Endpoint | undefined
}

/**
 * Finds out what this build supports by asking it: gateway mode answers the named key's token
 * with 200; limits answer a second request under `rpm: 1` with 429.
 */
export async function detectGateway(
  bundles: Record<BundleName, string>,
  upstreamPort: number,
  workDir: string,
  redisAvailable: boolean,
): Promise<GatewaySupport> {
  const runnable: GatewaySupport['runnable'] = {}
  const skipped: GatewaySupport['skipped'] = {}
  const probe = async (kind: GatewayKind, extraEnv: Record<string, string>, requests: number) => {
    const rules = { bench: { rpm: 1 } }
    const env = { ...gatewayEnv(kind, rules), ...extraEnv }
    let proxy: Endpoint | undefined
    try {
      proxy = await startProxy(kind, bundles, upstreamPort, workDir, env)
      const statuses: number[] = []
      for (let i = 0; i < requests; i++) statuses.push(await getStatus(proxy.port))
      return statuses
    } catch {
      return []
    } finally {
      await proxy?.stop()
    }
  }
  const gateway = await probe('oxy-gateway', {}, 1)
  if (gateway[0] !== 200) {
    const reason = 'not in this build (named access keys answered 401: issue 13)'
    return {
      runnable,
      skipped: { 'oxy-gateway': reason, 'oxy-limits': reason, 'oxy-limits-redis': reason },
      redis: undefined,
    }
  }
  runnable['oxy-gateway'] = {}
  const limits = await probe('oxy-limits', {}, 2)
  if (limits[1] !== 429) {
    const reason = 'not in this build (rpm: 1 admitted a second request: issue 14)'
    return { runnable, skipped: { 'oxy-limits': reason, 'oxy-limits-redis': reason }, redis: undefined }
  }
  runnable['oxy-limits'] = {}
  if (!redisAvailable) {
    skipped['oxy-limits-redis'] = 'redis-server not installed (apt-get install -y redis-server)'
    return { runnable, skipped, redis: undefined }
  }
  const redis = await startRedis(workDir)
  const redisEnv = { OXY_REDIS_URL: `redis://127.0.0.1:${redis.port}/0` }
  const shared = await probe('oxy-limits-redis', redisEnv, 2)
  // The probe spent the key's one request in Redis; a fresh database for the measured runs.
  if (shared[1] === 429) runnable['oxy-limits-redis'] = { OXY_REDIS_URL: `redis://127.0.0.1:${redis.port}/1` }
  else skipped['oxy-limits-redis'] = 'OXY_REDIS_URL did not limit in this build'
  return { runnable, skipped, redis }
}

async function startRedis(workDir: string): Promise<Endpoint> {
  const port = await freePort()
  const child = spawnTracked(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', workDir],
    { stdio: ['ignore', 'ignore', 'inherit'], cwd: path.resolve(workDir) },
  )
  await waitForPort(port)
  if (child.pid === undefined) throw new Error('redis-server did not start')
  return { name: 'redis', port, pid: child.pid, stop: () => stop(child) }
}

function getStatus(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/small',
        agent: false,
        timeout: 5_000,
        headers: { Authorization: `Bearer ${GATEWAY_TOKEN}` },
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.on('timeout', () => req.destroy(new Error('probe timed out')))
    req.on('error', reject)
  })
}
