import type { Counter, CounterAdd, TakeResult } from '../policy'

/**
 * Where limit counters live: this process (memory-store), Redis (redis-store) or a Durable
 * Object (the Workers adapter). Each call is atomic: two requests racing for the last unit of a
 * limit cannot both get it, however many instances share the store.
 */
export interface LimitStore {
  /** Named in log lines: 'memory', 'redis', 'durable object'. */
  readonly label: string
  /** Answers from this process's memory: it cannot hang, so calls need no deadline timer. */
  readonly inProcess?: boolean
  /** Reads the counters; if every one is under its limit, raises each by its cost. */
  take(counters: readonly Counter[]): Promise<TakeResult>
  /** Raises counters after the fact (tokens), creating them with their window if absent. */
  add(adds: readonly CounterAdd[]): Promise<void>
  /** Lets the process exit: sockets closed, timers cleared. */
  close(): Promise<void>
}
