import type { AdmissionPlan, HeaderPair, LimitsConfig, OxyError, TakeResult } from '../policy'
import { judgeAdmission, planAdmission, planTokenAdds, storeUnavailable } from '../policy'
import type { LimitStore } from './store'

/**
 * Limits in the request path: `admit` before anything reaches the upstream, `record` with the
 * tokens the upstream reported once the response is done. The store is asked with a deadline;
 * when it fails or is late, OXY_LIMITS_ON_STORE_ERROR decides: pass (open) or 503 (closed).
 * A failure is logged once when it starts and once when the store answers again.
 */

/** The longest a request waits for the store (docs/limits.md). */
export const STORE_TIMEOUT_MS = 500

export interface Refusal {
  readonly error: OxyError
  readonly headers: HeaderPair[]
}

/** An answer now (a store in this process's memory), or one to wait for (Redis, a Durable Object). */
export type Maybe<T> = T | Promise<T>

export interface Limiter {
  /** Undefined when the request may go on; else the 429 (or 503) to answer with. */
  admit(keyName: string | undefined): Maybe<Refusal | undefined>
  /** Counts a finished request's tokens; never throws, never delays the response. */
  record(keyName: string | undefined, tokens: number): Maybe<void>
  close(): Promise<void>
}

export interface LimiterOptions {
  readonly config: LimitsConfig
  readonly store: LimitStore
  readonly log: (level: 'warn' | 'info', msg: string) => void
  readonly now?: () => number
  readonly timeoutMs?: number
}

export function createLimiter(options: LimiterOptions): Limiter {
  const { config, store, log } = options
  const now = options.now ?? Date.now
  const timeoutMs = options.timeoutMs ?? STORE_TIMEOUT_MS
  let failing = false

  const succeeded = () => {
    if (!failing) return
    failing = false
    log('info', `limits store (${store.label}) answers again; counting resumed`)
  }
  const failed = (error: unknown) => {
    if (failing) return
    failing = true
    const then = config.onStoreError === 'open' ? 'requests pass uncounted' : 'requests get 503'
    log(
      'warn',
      `limits store (${store.label}) failed: ${(error as Error).message}; ${then} until it answers (OXY_LIMITS_ON_STORE_ERROR=${config.onStoreError})`,
    )
  }
  const judged = (plan: AdmissionPlan, result: TakeResult): Refusal | undefined => {
    const admission = judgeAdmission(plan, result)
    return admission.kind === 'admit' ? undefined : admission
  }

  return {
    admit(keyName) {
      const nowMs = now()
      const plan = planAdmission(config, keyName, nowMs)
      if (!plan) return undefined
      // In this process's memory: answered at once, no deadline, no promise (docs/benchmarks.md).
      if (store.sync) return judged(plan, store.sync.take(plan.counters, nowMs))
      return withDeadline(store.take(plan.counters), timeoutMs, store.label).then(
        (result) => {
          succeeded()
          return judged(plan, result)
        },
        (error: unknown) => {
          failed(error)
          return config.onStoreError === 'open' ? undefined : storeUnavailable()
        },
      )
    },
    record(keyName, tokens) {
      const nowMs = now()
      const adds = planTokenAdds(config, keyName, nowMs, tokens)
      if (adds.length === 0) return
      if (store.sync) return store.sync.add(adds, nowMs)
      return withDeadline(store.add(adds), timeoutMs, store.label).then(succeeded, failed)
    },
    close: () => store.close(),
  }
}

function withDeadline<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} did not answer within ${ms} ms`)), ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}
