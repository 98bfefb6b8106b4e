import { createMemoryStore } from '../../core/limits/memory-store'
import type { LimitStore } from '../../core/limits/store'
import type { LimitsNamespace } from './durable-object-store'
import { createDurableObjectStore } from './durable-object-store'

/** The binding wrangler.toml declares for the OxyLimits class. */
export const LIMITS_BINDING = 'OXY_LIMITS'

/**
 * Counters in the OXY_LIMITS Durable Object when the Worker has the binding; else in the
 * isolate, which counts only what it serves (docs/limits.md).
 */
export function openWorkerLimitStore(bindings: object): LimitStore {
  const namespace = (bindings as Record<string, unknown>)[LIMITS_BINDING]
  return isNamespace(namespace) ? createDurableObjectStore(namespace) : createMemoryStore()
}

function isNamespace(value: unknown): value is LimitsNamespace {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as LimitsNamespace).idFromName === 'function' &&
    typeof (value as LimitsNamespace).get === 'function'
  )
}
