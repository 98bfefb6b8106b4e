/**
 * Headers in which fronts (CDNs, load balancers, platforms) tell the origin the client's address
 * or location, by family. oxy drops them all, on every target: forwarded, they tell the upstream
 * where the user is (OpenAI blocks some regions) and can be spoofed by the client to look like
 * anyone. Names are compared lower-case with `_` read as `-`: CGI-style servers (PHP, WSGI)
 * read `X_Forwarded_For` as the dashed name.
 */
export const CLIENT_ADDRESS_HEADERS: ReadonlySet<string> = new Set([
  // Generic and de facto, in the spellings proxies and frameworks read.
  'client-ip',
  'x-client-ip',
  'x-real-ip',
  'true-client-ip', // Akamai, Cloudflare Enterprise
  'x-true-client-ip',
  'x-originating-ip',
  'x-remote-ip',
  'x-remote-addr',
  'x-forwarded',
  'forwarded-for',
  'x-cluster-client-ip', // Rackspace, Riverbed
  'x-original-forwarded-for',
  'x-proxyuser-ip',
  'proxy-client-ip', // Apache, WebLogic
  'wl-proxy-client-ip',
  'cdn-src-ip', // Tencent and other Chinese CDNs
  'ali-cdn-real-ip', // Aliyun CDN
  'eo-connecting-ip', // Tencent EdgeOne
  'eo-client-ipcountry',
  'x-scf-remote-addr', // Tencent SCF function URLs, also when a node-server build runs there
])

/** Families sent under one prefix. */
export const CLIENT_ADDRESS_PREFIXES: readonly string[] = [
  'fly-', // Fly.io: Fly-Client-IP, Fly-Region, Fly-Forwarded-Port
  'x-azure-', // Azure Front Door: X-Azure-ClientIP, X-Azure-SocketIP, X-Azure-Ref
  'x-arr-', // Azure App Service: X-ARR-ClientIP, X-ARR-SSL
  'x-vercel-', // Vercel: X-Vercel-Forwarded-For, X-Vercel-IP-Country, X-Vercel-IP-City
  'x-nf-', // Netlify: X-NF-Client-Connection-IP, X-NF-Geo
  'akamai-', // Akamai: Akamai-Origin-Hop, Akamai-Client-IP
  'x-akamai-', // Akamai: X-Akamai-Edgescape
  'x-envoy-', // Envoy: X-Envoy-External-Address
  'x-appengine-', // Google App Engine: X-AppEngine-User-IP, X-AppEngine-Country, X-AppEngine-City
  'fastly-', // Fastly: Fastly-Client-IP
]

/** A header name as CGI-style servers read it: lower-case, `_` as `-`. */
export function normalizeHeaderName(name: string): string {
  return name.toLowerCase().replaceAll('_', '-')
}
