import { CounterTable } from './counter-table'
import type { LimitStore } from './store'

/**
 * The default store: counters in this process. Each instance counts for itself, so with N
 * instances a key can get up to N times its limit (docs/limits.md says so).
 */
export function createMemoryStore(now: () => number = Date.now): LimitStore & { readonly size: number } {
  const table = new CounterTable(now)
  return {
    label: 'memory',
    sync: table,
    take: async (counters) => table.take(counters),
    add: async (adds) => table.add(adds),
    close: async () => {},
    get size() {
      return table.size
    },
  }
}
