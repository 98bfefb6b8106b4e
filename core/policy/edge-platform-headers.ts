/**
 * What Deno Deploy, Vercel and Netlify put on requests before the function sees them, beyond the
 * X-Forwarded-* and X-Real-IP every platform sends (dropped in request-headers.ts). Kept apart
 * from the generic lists so each platform's family is easy to check against its docs.
 */

/** Prefixes of whole header families, each the platform's own namespace. */
export const EDGE_PLATFORM_PREFIXES: readonly string[] = [
  // Vercel: x-vercel-id, -ip-country, -ip-city, -ip-latitude, -forwarded-for, -deployment-url,
  // and x-vercel-oidc-token, a signed token of the project's identity that must never leave it.
  // https://vercel.com/docs/headers/request-headers
  'x-vercel-',
  // Netlify: x-nf-client-connection-ip, -geo, -account-id, -site-id, -deploy-id, -request-id, ...
  // (the names @netlify/serverless-functions-api and the edge-functions runtime read).
  'x-nf-',
  // Deno Deploy: x-deno-ray and friends on inbound requests.
  'x-deno-',
]

/** Single headers with a client's address or country that these platforms send. */
export const EDGE_PLATFORM_HEADERS: ReadonlySet<string> = new Set([
  // Netlify Functions' older names for the client address and country.
  'client-ip',
  'x-bb-ip',
  'x-country',
  // Vercel names the route a rewrite matched; it tells the upstream how the proxy is deployed.
  'x-matched-path',
])

/** True when the lower-case name belongs to Deno Deploy, Vercel or Netlify. */
export function isEdgePlatformHeader(lower: string): boolean {
  if (EDGE_PLATFORM_HEADERS.has(lower)) return true
  for (const prefix of EDGE_PLATFORM_PREFIXES) if (lower.startsWith(prefix)) return true
  return false
}
