import type { Upstream } from './config'
import { withUpstreamKey } from './credentials'
import type { Attempt } from './failover-pool'
import { FailoverPool } from './failover-pool'
import type { HeaderPair } from './header-list'
import { isHeaderName } from './header-list'
import type { Route } from './routes'

/** What one attempt sends: to which upstream, which path, with which headers. */
export interface AttemptRequest {
  readonly upstream: Upstream
  readonly upstreamPath: string
  readonly headers: HeaderPair[]
}

/** The part of a forward plan an attempt is derived from: made for the first target and key. */
export interface FirstAttempt {
  readonly upstream: Upstream
  readonly upstreamPath: string
  readonly headers: readonly HeaderPair[]
}

/**
 * The request for one attempt: the plan's path moved under the attempt's target's base path,
 * Host set to that target, and the attempt's key in place of the first one. Whatever else the
 * plan decided (headers dropped, the access token removed, the Azure path) stays as it is.
 */
export function toAttemptRequest(route: Route, first: FirstAttempt, attempt: Attempt): AttemptRequest {
  const upstream = route.upstreams[attempt.target] ?? first.upstream
  const key = attempt.key === undefined ? undefined : route.upstreamKeys[attempt.key]
  const path = first.upstreamPath.slice(first.upstream.basePath.length)
  return {
    upstream,
    upstreamPath: upstream.basePath + path,
    headers: withAttemptHeaders(first, upstream, key, route),
  }
}

/**
 * The plan's headers in one pass: Host set to the attempt's target, and the attempt's key where
 * the first one stood (the first such header), so the header order stays the plan's. Pairs that
 * do not change are shared, not copied.
 */
function withAttemptHeaders(first: FirstAttempt, upstream: Upstream, key: string | undefined, route: Route) {
  const keyPair = key === undefined ? undefined : withUpstreamKey([], key, route.credentialStyle)[0]
  const keyName = keyPair?.[0].toLowerCase()
  let keyPlaced = keyPair === undefined
  const headers = first.headers.map((pair): HeaderPair => {
    if (isHeaderName(pair[0], 'host')) return [pair[0], upstream.host]
    if (keyPlaced || !isHeaderName(pair[0], keyName!)) return pair
    keyPlaced = true
    return [pair[0], keyPair![1]]
  })
  return keyPlaced ? headers : withUpstreamKey(headers, key!, route.credentialStyle)
}

/**
 * One pool per route and process (or isolate): rests are remembered per instance, which needs
 * no shared store and is what the owner wants anyway (a dead key is skipped where it failed).
 */
const pools = new WeakMap<Route, FailoverPool>()

export function poolFor(route: Route): FailoverPool {
  let pool = pools.get(route)
  if (!pool) {
    pool = new FailoverPool(route.upstreams.length, route.upstreamKeys.length)
    pools.set(route, pool)
  }
  return pool
}
