import type { PlatformDefaults } from '../../core'

/**
 * Netlify Edge Functions: https://docs.netlify.com/build/edge-functions/overview/
 * Netlify puts x-nf-client-connection-ip, x-nf-geo, x-nf-account-id, x-nf-site-id,
 * x-nf-request-id and more x-nf-* headers on requests. The core drops them on every target;
 * naming the prefix here keeps this adapter's promise if that list changes.
 */
export const NETLIFY_DEFAULTS: PlatformDefaults = {
  dropHeaderPrefixes: ['x-nf-'],
}
