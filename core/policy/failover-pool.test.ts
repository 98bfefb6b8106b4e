import { describe, expect, it } from 'vitest'
import { KEY_REST_MS, TARGET_REST_MS } from './failover-answer'
import type { Attempt, AttemptQueue } from './failover-pool'
import { FailoverPool } from './failover-pool'

const NOW = 1_000_000
const status = (code: number, body = '', headers: [string, string][] = []) =>
  ({ kind: 'answer', status: code, body, headers }) as const
const quota = JSON.stringify({ error: { code: 'insufficient_quota' } })

/** Runs one request: `answer(attempt)` returns undefined for success, or a failure. */
function run(
  queue: AttemptQueue,
  answer: (attempt: Attempt) => Parameters<AttemptQueue['fail']>[1] | undefined,
  now = NOW,
): Attempt[] {
  const tried: Attempt[] = []
  for (let attempt = queue.next(now); attempt; attempt = queue.next(now)) {
    tried.push(attempt)
    const failure = answer(attempt)
    if (!failure) {
      queue.succeed(attempt)
      break
    }
    if (!queue.fail(attempt, failure, now)) break
  }
  return tried
}

describe('FailoverPool', () => {
  it('should spread requests across keys in turn', () => {
    const pool = new FailoverPool(1, 3)
    const first = [0, 1, 2, 3].map(() => pool.startRequest(NOW).next(NOW)?.key)
    expect(first).toEqual([0, 1, 2, 0])
  })

  it('should try each key once until one works, and rest the dead ones', () => {
    const pool = new FailoverPool(1, 4)
    const answers = [status(401), status(429, quota), status(503), undefined]
    const tried = run(pool.startRequest(NOW), (attempt) => answers[attempt.key!])
    expect(tried.map((a) => a.key)).toEqual([0, 1, 2, 3])
    expect(pool.isKeyResting(0, NOW)).toBe(true)
    expect(pool.isKeyResting(1, NOW)).toBe(true)
    expect(pool.isKeyResting(2, NOW)).toBe(false)
    // Later requests skip the resting keys, whatever key their turn starts at.
    for (let i = 0; i < 4; i++) {
      const later = run(pool.startRequest(NOW + 1), (attempt) => answers[attempt.key!], NOW + 1)
      expect(later.map((a) => a.key)).not.toContain(0)
      expect(later.map((a) => a.key)).not.toContain(1)
    }
    // After the rest, they are tried again.
    const woken = pool.startRequest(NOW + KEY_REST_MS + 1)
    const keys = [0, 1, 2, 3].map(() => woken.next(NOW + KEY_REST_MS + 1)?.key)
    expect(keys.sort()).toEqual([0, 1, 2, 3])
  })

  it('should rest a rate-limited key for its Retry-After only', () => {
    const pool = new FailoverPool(1, 2)
    run(pool.startRequest(NOW), (attempt) =>
      attempt.key === 0 ? status(429, '', [['retry-after', '2']]) : undefined,
    )
    expect(pool.isKeyResting(0, NOW + 1_999)).toBe(true)
    expect(pool.isKeyResting(0, NOW + 2_000)).toBe(false)
  })

  it('should still try the key that wakes first when every key rests', () => {
    const pool = new FailoverPool(1, 2)
    run(pool.startRequest(NOW), (attempt) =>
      status(429, '', [['retry-after', attempt.key === 0 ? '30' : '5']]),
    )
    const tried = run(pool.startRequest(NOW + 1), () => undefined, NOW + 1)
    expect(tried).toEqual([{ target: 0, key: 1 }])
  })

  it('should fall back to the next target when one cannot be reached, and rest it', () => {
    const pool = new FailoverPool(2, 2)
    const tried = run(pool.startRequest(NOW), (attempt) =>
      attempt.target === 0 ? { kind: 'unreachable' } : undefined,
    )
    expect(tried).toEqual([
      { target: 0, key: 0 },
      { target: 1, key: 0 },
    ])
    expect(pool.isTargetResting(0, NOW + TARGET_REST_MS - 1)).toBe(true)
    expect(run(pool.startRequest(NOW + 1), () => undefined, NOW + 1)).toEqual([{ target: 1, key: 1 }])
  })

  it('should not try a refused key on another target, nor retry what cannot be fixed', () => {
    const pool = new FailoverPool(2, 1)
    expect(run(pool.startRequest(NOW), () => status(401))).toEqual([{ target: 0, key: 0 }])
    const region = JSON.stringify({ error: { code: 'unsupported_country_region_territory' } })
    const fresh = new FailoverPool(1, 3)
    expect(run(fresh.startRequest(NOW), () => status(403, region))).toHaveLength(1)
    expect(run(fresh.startRequest(NOW), () => status(400))).toHaveLength(1)
  })

  it('should try every key/target pair at most once, then give up with the last answer', () => {
    const pool = new FailoverPool(2, 2)
    const queue = pool.startRequest(NOW)
    const tried = run(queue, () => status(503))
    expect(tried).toHaveLength(4)
    expect(new Set(tried.map((a) => `${a.target}/${a.key}`)).size).toBe(4)
    expect(queue.hasMore(NOW)).toBe(false)
  })

  it('should start no new attempt after the first-byte deadline', () => {
    const pool = new FailoverPool(1, 3)
    const queue = pool.startRequest(NOW, NOW + 100)
    const first = queue.next(NOW)!
    expect(queue.fail(first, status(503), NOW + 100)).toBe(false)
    expect(queue.next(NOW + 100)).toBeUndefined()
  })

  it('should use the client credentials once per target when the route holds no key', () => {
    const pool = new FailoverPool(2, 0)
    expect(pool.canFail).toBe(true)
    expect(new FailoverPool(1, 1).canFail).toBe(false)
    const tried = run(pool.startRequest(NOW), () => status(502))
    expect(tried).toEqual([
      { target: 0, key: undefined },
      { target: 1, key: undefined },
    ])
    expect(run(pool.startRequest(NOW), () => status(401))).toHaveLength(1)
  })
})
