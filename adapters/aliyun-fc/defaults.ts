import type { Env, PlatformDefaults } from '../../core'
import { ConfigError } from '../../core'

/**
 * Aliyun FC 3.0 custom runtime: listen on 0.0.0.0 at the configured port (default 9000), which FC
 * passes as FC_CUSTOM_LISTEN_PORT: https://help.aliyun.com/document_detail/2513503.html
 * Every request carries x-fc-* headers, among them the function role's live credentials
 * (x-fc-access-key-id, x-fc-access-key-secret, x-fc-security-token).
 */
export const FC_DEFAULTS: PlatformDefaults = {
  port: 9000,
  dropHeaderPrefixes: ['x-fc-'],
}

/** Read before OXY_PORT: the port FC checks for readiness is the one the function must take. */
export const FC_PORT_VARIABLES = ['FC_CUSTOM_LISTEN_PORT', 'FC_SERVER_PORT'] as const

export interface FcServerInput {
  readonly env: Env
  readonly defaults: PlatformDefaults
}

/**
 * The environment and defaults to start the server with. The listen port comes from
 * FC_CUSTOM_LISTEN_PORT, else FC_SERVER_PORT, else OXY_PORT, else 9000: a port FC did not pick
 * would fail its readiness check.
 */
export function toFcServerInput(env: Env): FcServerInput {
  for (const variable of FC_PORT_VARIABLES) {
    const value = env[variable]
    if (value === undefined || value.trim() === '') continue
    const { OXY_PORT: _overridden, ...rest } = env
    return { env: rest, defaults: { ...FC_DEFAULTS, port: parseFcPort(variable, value) } }
  }
  return { env, defaults: FC_DEFAULTS }
}

function parseFcPort(variable: string, value: string): number {
  const trimmed = value.trim()
  if (!/^\d{1,5}$/.test(trimmed) || Number(trimmed) > 65_535) {
    throw new ConfigError(variable, value, 'expected a port number from 0 to 65535')
  }
  return Number(trimmed)
}
