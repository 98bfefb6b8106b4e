import type { Counter, CounterAdd, TakeResult } from '../../core'
import type { LimitStore } from '../../core/limits/store'
import type { LimitsObjectCall } from './limits-object'

/** The parts of a DurableObjectNamespace binding this store uses. */
export interface LimitsNamespace {
  idFromName(name: string): unknown
  get(id: never): { fetch(input: string, init?: RequestInit): Promise<Response> }
}

/** Any URL does: a stub's fetch goes to the object, never to the network. */
const OBJECT_URL = 'https://oxy-limits.internal/'

/**
 * Limit counters in the OXY_LIMITS Durable Object: one object per access key, picked by the
 * key name in the counter keys' braces (the same hash tag Redis Cluster uses).
 */
export function createDurableObjectStore(namespace: LimitsNamespace): LimitStore {
  const call = (keys: readonly string[], body: LimitsObjectCall) => {
    const stub = namespace.get(namespace.idFromName(hashTag(keys[0] ?? '')) as never)
    return stub.fetch(OBJECT_URL, { method: 'POST', body: JSON.stringify(body) })
  }
  return {
    label: 'durable object',
    async take(counters: readonly Counter[]): Promise<TakeResult> {
      if (counters.length === 0) return { admitted: true, counters: [] }
      const response = await call(
        counters.map((c) => c.key),
        { op: 'take', counters },
      )
      if (!response.ok) throw new Error(`the OXY_LIMITS object answered ${response.status}`)
      return (await response.json()) as TakeResult
    },
    async add(adds: readonly CounterAdd[]): Promise<void> {
      if (adds.length === 0) return
      const response = await call(
        adds.map((a) => a.key),
        { op: 'add', adds },
      )
      if (!response.ok) throw new Error(`the OXY_LIMITS object answered ${response.status}`)
    },
    close: async () => {},
  }
}

function hashTag(key: string): string {
  return /\{([^}]*)\}/.exec(key)?.[1] ?? key
}
