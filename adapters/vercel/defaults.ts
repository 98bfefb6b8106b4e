import type { PlatformDefaults } from '../../core'

/**
 * Vercel Functions (Node.js runtime): https://vercel.com/docs/functions/runtimes/node-js
 * Vercel's proxy sets x-forwarded-for, x-real-ip and a family of x-vercel-* headers (the client's
 * country, city and coordinates, and x-vercel-oidc-token, the project's identity) on every
 * request: https://vercel.com/docs/headers/request-headers. The core drops them on every target;
 * naming the prefix here keeps this adapter's promise if that list changes. Vercel refuses request
 * bodies over 4.5 MB itself (FUNCTION_PAYLOAD_TOO_LARGE), before the function runs.
 */
export const VERCEL_DEFAULTS: PlatformDefaults = {
  dropHeaderPrefixes: ['x-vercel-'],
}
