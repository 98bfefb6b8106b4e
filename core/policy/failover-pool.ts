import type { AttemptFailure } from './failover-answer'
import { judgeAttempt } from './failover-answer'

/**
 * A request body is kept for a second attempt only up to this size (chat, Responses and
 * embeddings requests are far smaller); a larger one (an upload) streams once, never held.
 */
export const MAX_REPLAY_BODY_BYTES = 1024 * 1024

/** One try: which target (index into the route's upstreams) with which key (index, or none). */
export interface Attempt {
  readonly target: number
  /** Index into the route's upstream keys; undefined when the client's own credentials go up. */
  readonly key: number | undefined
}

/**
 * The keys and targets of one route, and which of them rest (per instance; nothing is shared).
 * Time is passed in, so the policy stays pure and testable.
 */
export class FailoverPool {
  private turn = 0
  private readonly keyRest: number[]
  private readonly targetRest: number[]

  constructor(
    readonly targetCount: number,
    readonly keyCount: number,
  ) {
    this.keyRest = Array.from({ length: keyCount }, () => 0)
    this.targetRest = Array.from({ length: targetCount }, () => 0)
  }

  /** Whether a request through this route could be tried more than once. */
  get canFail(): boolean {
    return this.targetCount > 1 || this.keyCount > 1
  }

  /**
   * The attempts for one request, in order: targets in the configured order, keys in turn
   * (each request starts one key further), resting ones left out. When every key (or target)
   * rests, the one whose rest ends first is still tried: a proxy that refuses to try is worse than
   * one that tries a key that may have healed.
   */
  startRequest(now: number, deadline: number | undefined = undefined): AttemptQueue {
    const start = this.turn
    this.turn = this.keyCount === 0 ? 0 : (this.turn + 1) % this.keyCount
    const keys: (number | undefined)[] =
      this.keyCount === 0 ? [undefined] : awake(this.keyCount, start, this.keyRest, now)
    const attempts: Attempt[] = []
    for (const target of awake(this.targetCount, 0, this.targetRest, now))
      for (const key of keys) attempts.push({ target, key })
    return new AttemptQueue(this, attempts, deadline)
  }

  /** @internal Rests, and wakes what just worked. */
  record(attempt: Attempt, keyRestMs: number | undefined, targetRestMs: number | undefined, now: number) {
    if (attempt.key !== undefined) this.keyRest[attempt.key] = keyRestMs === undefined ? 0 : now + keyRestMs
    if (targetRestMs !== undefined) this.targetRest[attempt.target] = now + targetRestMs
  }

  /** @internal */
  succeeded(attempt: Attempt) {
    if (attempt.key !== undefined) this.keyRest[attempt.key] = 0
    this.targetRest[attempt.target] = 0
  }

  /** Whether a key is resting now (for tests and the status of a pool). */
  isKeyResting(key: number, now: number): boolean {
    return (this.keyRest[key] ?? 0) > now
  }

  isTargetResting(target: number, now: number): boolean {
    return (this.targetRest[target] ?? 0) > now
  }
}

/**
 * The attempts of one request. `next()` gives the attempt to make; `fail()` reports how it went
 * and whether another may follow; `succeed()` ends the request. Each key/target pair is tried at
 * most once, a key the upstream refused is not tried on another target, a target that could not be
 * reached not with another key, and nothing starts after the first-byte deadline.
 */
export class AttemptQueue {
  private index = 0
  private readonly skipKeys = new Set<number | undefined>()
  private readonly skipTargets = new Set<number>()

  constructor(
    private readonly pool: FailoverPool,
    private readonly attempts: readonly Attempt[],
    private readonly deadline: number | undefined,
  ) {}

  next(now: number): Attempt | undefined {
    if (this.index > 0 && this.deadline !== undefined && now >= this.deadline) return undefined
    while (this.index < this.attempts.length) {
      const attempt = this.attempts[this.index++]!
      if (!this.skips(attempt)) return attempt
    }
    return undefined
  }

  /** Whether an attempt after this one is possible: if not, the caller relays this answer untouched. */
  hasMore(now: number): boolean {
    if (this.deadline !== undefined && now >= this.deadline) return false
    for (let i = this.index; i < this.attempts.length; i++) if (!this.skips(this.attempts[i]!)) return true
    return false
  }

  private skips(attempt: Attempt): boolean {
    return this.skipKeys.has(attempt.key) || this.skipTargets.has(attempt.target)
  }

  /** Reports a failed attempt; true when it is worth trying the next one. */
  fail(attempt: Attempt, failure: AttemptFailure, now: number): boolean {
    const verdict = judgeAttempt(failure, now)
    if (!verdict.retry) {
      this.pool.succeeded(attempt)
      return false
    }
    this.pool.record(attempt, verdict.keyRestMs, verdict.targetRestMs, now)
    if (verdict.blameKey) this.skipKeys.add(attempt.key)
    if (verdict.blameTarget) this.skipTargets.add(attempt.target)
    return this.hasMore(now)
  }

  succeed(attempt: Attempt): void {
    this.pool.succeeded(attempt)
  }
}

/**
 * Indexes 0..count-1 in turn from `start`, without those resting at `now`; when all rest, the one
 * that wakes first. Made per request, so in one pass.
 */
function awake(count: number, start: number, restUntil: readonly number[], now: number): number[] {
  const ready: number[] = []
  let soonest = start
  for (let n = 0; n < count; n++) {
    const item = (start + n) % count
    if ((restUntil[item] ?? 0) <= now) ready.push(item)
    else if ((restUntil[item] ?? 0) < (restUntil[soonest] ?? 0)) soonest = item
  }
  return ready.length > 0 ? ready : [soonest]
}
