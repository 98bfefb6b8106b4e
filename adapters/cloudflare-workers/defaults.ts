import type { PlatformDefaults } from '../../core'

/**
 * Cloudflare Workers: https://developers.cloudflare.com/workers/runtime-apis/handlers/fetch/
 * Cloudflare adds CF-Connecting-IP, CF-IPCountry, CF-Ray, CF-Visitor, CDN-Loop and X-Forwarded-For
 * to every request (https://developers.cloudflare.com/fundamentals/reference/http-headers/).
 * The core drops them on every platform; naming cf- here keeps this adapter's promise even if that
 * list changes. The edge enforces the body limit (100 MB on Free and Pro), so none is set here.
 */
export const WORKERS_DEFAULTS: PlatformDefaults = {
  dropHeaderPrefixes: ['cf-'],
}
