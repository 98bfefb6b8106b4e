import type { Counter, CounterAdd, TakeResult } from '../policy'

/**
 * Where limit counters live: this process (memory-store), Redis (redis-store) or a Durable
 * Object (the Workers adapter). Each call is atomic: two requests racing for the last unit of a
 * limit cannot both get it, however many instances share the store.
 */
export interface LimitStore {
  /** Named in log lines: 'memory', 'redis', 'durable object'. */
  readonly label: string
  /**
   * The same two calls answered at once, from this process's memory: they cannot hang, so they
   * need no deadline timer, and an answer at once costs a request no promise to wait on.
   */
  readonly sync?: SyncLimitStore
  /** Reads the counters; if every one is under its limit, raises each by its cost. */
  take(counters: readonly Counter[]): Promise<TakeResult>
  /** Raises counters after the fact (tokens), creating them with their window if absent. */
  add(adds: readonly CounterAdd[]): Promise<void>
  /** Lets the process exit: sockets closed, timers cleared. */
  close(): Promise<void>
}

/**
 * A store in this process's memory, asked without waiting. `nowMs` is the time the caller planned
 * with (Date.now, read once per call rather than again here).
 */
export interface SyncLimitStore {
  take(counters: readonly Counter[], nowMs?: number): TakeResult
  add(adds: readonly CounterAdd[], nowMs?: number): void
}
