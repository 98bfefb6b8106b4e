import type { Env, Upstream } from './config'
import { parseUpstream } from './config'
import type { CredentialStyle } from './credentials'
import { credentialStyleFor } from './credentials'
import { ConfigError } from './errors'
import { parseUpstreamKeys } from './key-list'

/**
 * Azure OpenAI's GA data-plane version:
 * https://learn.microsoft.com/azure/ai-services/openai/reference#api-specs
 */
export const DEFAULT_AZURE_API_VERSION = '2024-10-21'

/** OpenAI model name -> Azure deployment name, for unmodified OpenAI clients. */
export interface AzureMode {
  readonly deployments: ReadonlyMap<string, string>
  readonly apiVersion: string
}

export interface Route {
  /** `/anthropic`; '' for the default route to OXY_TARGET. */
  readonly prefix: string
  /** The first of `upstreams`. */
  readonly upstream: Upstream
  /** Base URLs tried in order, each one a fallback for the one before. */
  readonly upstreams: readonly Upstream[]
  /** The first of `upstreamKeys`. */
  readonly upstreamKey: string | undefined
  /** The owner's keys, sent instead of the client's credentials; requests are spread across them. */
  readonly upstreamKeys: readonly string[]
  readonly credentialStyle: CredentialStyle
  readonly azure: AzureMode | undefined
}

/** A route prefix: one or more plain path segments, no dots-only segments. */
const PREFIX = /^(\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)+$/

/**
 * The routes: OXY_ROUTES (`/anthropic=https://api.anthropic.com,/gemini=...`), longest prefix
 * first, then the default route to OXY_TARGET. A bare URL after an entry is a fallback target
 * of that entry's route (`/anthropic=https://a.example,https://b.example`). Each route's keys
 * come from its own variable, OXY_UPSTREAM_KEY_<PREFIX> (`/anthropic` ->
 * OXY_UPSTREAM_KEY_ANTHROPIC), so that keys can be kept in a platform's secret store apart from
 * the routing table.
 */
export function parseRoutes(env: Env, targets: readonly Upstream[]): Route[] {
  const routes: Route[] = []
  for (const { prefix, upstreams } of parseRouteEntries(env.OXY_ROUTES ?? '')) {
    const upstream = upstreams[0]!
    routes.push({
      prefix,
      ...withKeys(readKeys(env, routeKeyVariable(prefix))),
      upstream,
      upstreams,
      credentialStyle: credentialStyleFor(upstream.hostname),
      azure: undefined,
    })
  }
  routes.sort((a, b) => b.prefix.length - a.prefix.length)
  const azure = parseAzureMode(env)
  const target = targets[0]!
  routes.push({
    prefix: '',
    upstream: target,
    upstreams: targets,
    ...withKeys(readKeys(env, 'OXY_UPSTREAM_KEY')),
    credentialStyle: azure ? 'api-key' : credentialStyleFor(target.hostname),
    azure,
  })
  return routes
}

function parseRouteEntries(value: string): { prefix: string; upstreams: Upstream[] }[] {
  const entries: { prefix: string; upstreams: Upstream[] }[] = []
  for (const entry of value.split(',').map((item) => item.trim())) {
    if (entry === '') continue
    const previous = entries.at(-1)
    if (/^https?:\/\//i.test(entry) && previous) {
      previous.upstreams.push(parseTarget('OXY_ROUTES', entry, previous.upstreams))
      continue
    }
    const at = entry.indexOf('=')
    const prefix = entry.slice(0, at).trim().replace(/\/+$/, '')
    if (at === -1 || !PREFIX.test(prefix) || prefix.startsWith('/_oxy')) {
      throw new ConfigError(
        'OXY_ROUTES',
        entry,
        'expected entries such as /anthropic=https://api.anthropic.com',
      )
    }
    if (entries.some((route) => route.prefix === prefix)) {
      throw new ConfigError('OXY_ROUTES', entry, `the prefix ${prefix} is listed twice`)
    }
    entries.push({ prefix, upstreams: [parseUpstream('OXY_ROUTES', entry.slice(at + 1).trim())] })
  }
  return entries
}

/** OXY_TARGET: one base URL, or several tried in order. */
export function parseTargets(variable: string, value: string): Upstream[] {
  const targets: Upstream[] = []
  for (const entry of value.split(',').map((item) => item.trim())) {
    if (entry === '') throw new ConfigError(variable, value, 'an entry is empty; remove the extra comma')
    targets.push(parseTarget(variable, entry, targets))
  }
  return targets
}

function parseTarget(variable: string, entry: string, earlier: readonly Upstream[]): Upstream {
  const upstream = parseUpstream(variable, entry)
  const same = earlier.find((other) => other.origin + other.basePath === upstream.origin + upstream.basePath)
  if (same) throw new ConfigError(variable, entry, 'this target is listed twice')
  return upstream
}

function withKeys(keys: readonly string[]) {
  return { upstreamKey: keys[0], upstreamKeys: keys }
}

export function routeKeyVariable(prefix: string): string {
  return `OXY_UPSTREAM_KEY_${prefix
    .slice(1)
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '_')}`
}

/** The route for a path, and the path the upstream sees (the prefix removed). */
export function matchRoute(path: string, routes: readonly Route[]): { route: Route; path: string } {
  for (const route of routes) {
    if (route.prefix === '') return { route, path }
    if (path === route.prefix) return { route, path: '/' }
    if (path.startsWith(`${route.prefix}/`)) return { route, path: path.slice(route.prefix.length) }
  }
  throw new Error('the default route is missing')
}

function parseAzureMode(env: Env): AzureMode | undefined {
  const value = env.OXY_AZURE_DEPLOYMENTS
  if (value === undefined || value.trim() === '') return undefined
  const deployments = new Map<string, string>()
  for (const entry of value.split(',').map((item) => item.trim())) {
    const [model, deployment, extra] = entry.split('=').map((part) => part.trim())
    if (!model || !deployment || extra !== undefined || !/^[\w.-]+$/.test(deployment)) {
      throw new ConfigError(
        'OXY_AZURE_DEPLOYMENTS',
        entry,
        'expected model=deployment pairs such as gpt-4o=my-4o',
      )
    }
    deployments.set(model, deployment)
  }
  const apiVersion = env.OXY_AZURE_API_VERSION?.trim() || DEFAULT_AZURE_API_VERSION
  if (!/^[\w.-]+$/.test(apiVersion)) {
    throw new ConfigError('OXY_AZURE_API_VERSION', apiVersion, 'expected a version such as 2024-10-21')
  }
  return { deployments, apiVersion }
}

function readKeys(env: Env, variable: string): readonly string[] {
  return parseUpstreamKeys(variable, env[variable])
}
