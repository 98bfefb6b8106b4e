/** The stage segments of old API-gateway URLs (Tencent SCF), which users add or forget. */
export const STAGE_SEGMENTS = ['release', 'test', 'prepub'] as const

/**
 * The endpoint's root as the user gave it, and the other form to try: without its stage segment
 * if it has one, with `/release` if not. Trailing slashes and a trailing `/v1` are dropped, since
 * people paste the base URL they gave their client.
 */
export function toEndpointForms(url: string): { given: string; other: string } {
  const parsed = new URL(url)
  const path = parsed.pathname.replace(/\/+$/, '').replace(/\/v1$/, '')
  const given = parsed.origin + path
  const segments = path.split('/')
  const last = segments.at(-1) ?? ''
  const other = (STAGE_SEGMENTS as readonly string[]).includes(last)
    ? parsed.origin + segments.slice(0, -1).join('/')
    : `${given}/release`
  return { given, other }
}
