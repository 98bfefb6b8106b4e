/**
 * How hard the suite pushes. `ci` (the default) runs inside `npm test` and keeps the whole suite
 * to about a minute; `long` is the soak documented in docs/reliability.md:
 * `OXY_SOAK=long npm run test:reliability`.
 */
export interface Profile {
  readonly name: 'ci' | 'long'
  /** Generated hostile requests per target. */
  readonly generatedRequests: number
  /** Clients that hang up mid-stream, per target. */
  readonly hangups: number
  /** Soak: requests per target after a warm-up of `soakWarmup`, and concurrent connections. */
  readonly soakRequests: number
  readonly soakConnections: number
  readonly soakWarmup: number
  /** Soak time limit per target: a soak that cannot finish in it fails rather than run on. */
  readonly soakLimitMs: number
}

const PROFILES: Readonly<Record<Profile['name'], Profile>> = {
  ci: {
    name: 'ci',
    generatedRequests: 40,
    hangups: 1_000,
    soakRequests: 20_000,
    soakConnections: 200,
    soakWarmup: 4_000,
    soakLimitMs: 45_000,
  },
  long: {
    name: 'long',
    generatedRequests: 400,
    hangups: 1_000,
    soakRequests: 100_000,
    soakConnections: 200,
    soakWarmup: 10_000,
    soakLimitMs: 600_000,
  },
}

export function currentProfile(env: NodeJS.ProcessEnv = process.env): Profile {
  const name = env.OXY_SOAK ?? 'ci'
  if (name !== 'ci' && name !== 'long') throw new Error(`OXY_SOAK="${name}" is invalid: expected ci or long`)
  return PROFILES[name]
}
