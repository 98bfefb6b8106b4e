import type { Env, Upstream } from './config'
import { parseUpstream } from './config'
import type { CredentialStyle } from './credentials'
import { credentialStyleFor } from './credentials'
import { ConfigError } from './errors'

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
  readonly upstream: Upstream
  /** The owner's key, sent instead of the client's credentials. */
  readonly upstreamKey: string | undefined
  readonly credentialStyle: CredentialStyle
  readonly azure: AzureMode | undefined
}

/** A route prefix: one or more plain path segments, no dots-only segments. */
const PREFIX = /^(\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)+$/

/**
 * The routes: OXY_ROUTES (`/anthropic=https://api.anthropic.com,/gemini=...`), longest prefix
 * first, then the default route to OXY_TARGET. Each route's key comes from its own variable,
 * OXY_UPSTREAM_KEY_<PREFIX> (`/anthropic` -> OXY_UPSTREAM_KEY_ANTHROPIC), so that keys can be
 * kept in a platform's secret store apart from the routing table.
 */
export function parseRoutes(env: Env, target: Upstream): Route[] {
  const routes: Route[] = []
  for (const entry of (env.OXY_ROUTES ?? '').split(',').map((item) => item.trim())) {
    if (entry === '') continue
    const at = entry.indexOf('=')
    const prefix = entry.slice(0, at).trim().replace(/\/+$/, '')
    if (at === -1 || !PREFIX.test(prefix) || prefix.startsWith('/_oxy')) {
      throw new ConfigError(
        'OXY_ROUTES',
        entry,
        'expected entries such as /anthropic=https://api.anthropic.com',
      )
    }
    if (routes.some((route) => route.prefix === prefix)) {
      throw new ConfigError('OXY_ROUTES', entry, `the prefix ${prefix} is listed twice`)
    }
    const upstream = parseUpstream('OXY_ROUTES', entry.slice(at + 1).trim())
    routes.push({
      prefix,
      upstream,
      upstreamKey: readKey(env, routeKeyVariable(prefix)),
      credentialStyle: credentialStyleFor(upstream.hostname),
      azure: undefined,
    })
  }
  routes.sort((a, b) => b.prefix.length - a.prefix.length)
  const azure = parseAzureMode(env)
  routes.push({
    prefix: '',
    upstream: target,
    upstreamKey: readKey(env, 'OXY_UPSTREAM_KEY'),
    credentialStyle: azure ? 'api-key' : credentialStyleFor(target.hostname),
    azure,
  })
  return routes
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

function readKey(env: Env, variable: string): string | undefined {
  const value = env[variable]?.trim()
  if (!value) return undefined
  if (/\s/.test(value)) throw new ConfigError(variable, value, 'an API key has no spaces', { secret: true })
  return value
}
