import type { PlatformDefaults } from '../../core'

/**
 * Deno Deploy and `deno serve`: https://docs.deno.com/runtime/reference/cli/serve/
 * Deno Deploy puts its own x-deno-* headers (x-deno-ray) on inbound requests; the core drops them
 * on every target, and naming the prefix here keeps this adapter's promise if that list changes.
 * Deno Deploy enforces its own body limits, so none is set here.
 */
export const DENO_DEFAULTS: PlatformDefaults = {
  dropHeaderPrefixes: ['x-deno-'],
}
