import type { Counter, CounterAdd, TakeResult } from '../policy'

/**
 * Counters in a Map, the same rules as the Redis script: a counter is created with its window
 * on first write and disappears when the window ends. Used in-process and inside the Workers
 * Durable Object. Single-threaded callers make each call atomic.
 */

interface Entry {
  value: number
  expiresAt: number
}

/** Expired entries are swept at most this often, so memory stays bounded without a timer. */
const SWEEP_INTERVAL_MS = 10_000

export class CounterTable {
  private readonly entries = new Map<string, Entry>()
  private nextSweepAt = 0

  constructor(private readonly now: () => number = Date.now) {}

  /** `nowMs`: the caller's reading of the same clock, so a request reads it once (a runtime call). */
  take(counters: readonly Counter[], nowMs?: number): TakeResult {
    const now = nowMs ?? this.now()
    this.sweep(now)
    const admitted = counters.every((counter) => this.valueOf(counter.key, now) < counter.limit)
    if (admitted) {
      for (const counter of counters)
        if (counter.cost > 0) this.raise(counter.key, counter.cost, counter.windowMs, now)
    }
    return {
      admitted,
      counters: counters.map((counter) => {
        const entry = this.live(counter.key, now)
        return entry ? { value: entry.value, resetMs: entry.expiresAt - now } : { value: 0, resetMs: 0 }
      }),
    }
  }

  add(adds: readonly CounterAdd[], nowMs?: number): void {
    const now = nowMs ?? this.now()
    this.sweep(now)
    for (const add of adds) if (add.amount > 0) this.raise(add.key, add.amount, add.windowMs, now)
  }

  /** The live counters as plain data, for a Durable Object to persist. */
  snapshot(): [key: string, value: number, expiresAt: number][] {
    const now = this.now()
    const live: [string, number, number][] = []
    for (const [key, entry] of this.entries)
      if (entry.expiresAt > now) live.push([key, entry.value, entry.expiresAt])
    return live
  }

  restore(snapshot: readonly (readonly [key: string, value: number, expiresAt: number])[]): void {
    for (const [key, value, expiresAt] of snapshot) this.entries.set(key, { value, expiresAt })
  }

  /** How many counters are held, for tests that prove nothing grows. */
  get size(): number {
    return this.entries.size
  }

  private raise(key: string, amount: number, windowMs: number, now: number): void {
    const entry = this.live(key, now)
    if (entry) entry.value += amount
    else this.entries.set(key, { value: amount, expiresAt: now + Math.max(1, windowMs) })
  }

  private valueOf(key: string, now: number): number {
    return this.live(key, now)?.value ?? 0
  }

  private live(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key)
    if (entry && entry.expiresAt <= now) {
      this.entries.delete(key)
      return undefined
    }
    return entry
  }

  private sweep(now: number): void {
    if (now < this.nextSweepAt) return
    this.nextSweepAt = now + SWEEP_INTERVAL_MS
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key)
  }
}
