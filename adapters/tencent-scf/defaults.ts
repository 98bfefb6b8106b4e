import type { PlatformDefaults } from '../../core'

/**
 * Tencent SCF Web functions: https://cloud.tencent.com/document/product/583/56126
 * The function must listen on 0.0.0.0:9000. SCF adds X-Scf-* headers to every request (request id,
 * app id, uin and, with a run role, the role's temporary credentials). Old API gateway URLs put the
 * stage (/release, /test, /prepub) in front of the path; function URLs do not.
 */
export const SCF_DEFAULTS: PlatformDefaults = {
  port: 9000,
  dropHeaderPrefixes: ['x-scf-'],
  stagePrefixes: ['release', 'test', 'prepub'],
}
