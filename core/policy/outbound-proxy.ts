import type { OutboundProxy, Upstream } from './config'

/**
 * The forward proxy to reach an upstream through, following HTTP_PROXY / HTTPS_PROXY /
 * NO_PROXY as curl and Go's http.ProxyFromEnvironment read them: NO_PROXY entries match a
 * host, its subdomains (`example.com` and `.example.com` both match `api.example.com`),
 * optionally a port (`host:8080`), or everything (`*`).
 */
export function proxyFor(upstream: Upstream, settings: OutboundProxy): string | undefined {
  const proxy = upstream.protocol === 'https:' ? settings.httpsProxy : settings.httpProxy
  if (proxy === undefined) return undefined
  return bypassesProxy(upstream, settings.noProxy) ? undefined : proxy
}

function bypassesProxy(upstream: Upstream, noProxy: readonly string[]): boolean {
  const host = upstream.hostname.toLowerCase()
  for (const entry of noProxy) {
    if (entry === '*') return true
    const { name, port } = splitHostPort(entry)
    if (port !== undefined && port !== upstream.port) continue
    const bare = name.replace(/^\*?\./, '')
    if (host === bare || host.endsWith(`.${bare}`)) return true
  }
  return false
}

function splitHostPort(entry: string): { name: string; port: number | undefined } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry)
  if (bracketed) return { name: bracketed[1]!, port: bracketed[2] ? Number(bracketed[2]) : undefined }
  const withPort = /^([^:]+):(\d+)$/.exec(entry)
  if (withPort) return { name: withPort[1]!, port: Number(withPort[2]) }
  return { name: entry, port: undefined }
}
