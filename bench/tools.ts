import { spawnSync } from 'node:child_process'

/**
 * The Debian tools the bench drives. It does not install them: a benchmark that changes the
 * system it measures surprises people. Missing ones are skipped with the command that adds them.
 */
export interface Tools {
  readonly wrk: boolean
  readonly nginx: boolean
  /** For the limits-with-Redis row only (issue 14); nothing else needs it. */
  readonly redis: boolean
  readonly notes: readonly string[]
}

const APT = 'apt-get update && apt-get install -y wrk nginx'

function has(command: string, versionFlag: string): boolean {
  const result = spawnSync(command, [versionFlag], { stdio: 'ignore', timeout: 5_000 })
  return result.error === undefined
}

export function detectTools(): Tools {
  const wrk = has('wrk', '--version')
  const nginx = has('nginx', '-v')
  const redis = has('redis-server', '--version')
  const notes: string[] = []
  if (!wrk) notes.push(`wrk not found: scenarios 1 and 2 are skipped. Install it with: ${APT}`)
  if (!nginx) notes.push(`nginx not found: the nginx peer is skipped. Install it with: ${APT}`)
  return { wrk, nginx, redis, notes }
}
