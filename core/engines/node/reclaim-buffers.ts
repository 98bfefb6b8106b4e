import { createRequire } from 'node:module'

/** Body bytes passed on between two minor collections. */
export const RECLAIM_EVERY_BYTES = 4 * 1024 * 1024

type Collect = () => void

/**
 * Frees the socket buffers a streamed body leaves behind, every few MB.
 *
 * Each socket read lands in a fresh off-heap buffer that V8 frees only when it collects the
 * buffer's small on-heap wrapper. A body streaming through allocates almost nothing on the
 * heap, so no collection comes, and RSS grows by the whole body until V8's external-memory
 * limit (64 MB) forces one: a 25 MB upload grew a 128 MB function by ~24 MB. A minor GC (a
 * scavenge of a 2 MB young generation: well under a millisecond) every 4 MB keeps it near
 * 8 MB. docs/benchmarks.md, scenario 4, has the measurements.
 *
 * The collector comes from V8's gc extension: `globalThis.gc` when node runs with --expose-gc,
 * else enabled at run time and read from a new context (what jest does to measure leaks).
 * Looked up on first use, so processes that never stream a large body never create it, and
 * node:v8 and node:vm are required only then: imported at the top, they (with node:perf_hooks)
 * cost every cold start ~1 % of a bare server's start-up instructions (callgrind).
 */
export function createBufferReclaimer(everyBytes = RECLAIM_EVERY_BYTES): (bytes: number) => void {
  let since = 0
  return (bytes) => {
    since += bytes
    if (since < everyBytes) return
    since = 0
    minorCollector()?.()
  }
}

let collector: Collect | null | undefined

function minorCollector(): Collect | null {
  if (collector !== undefined) return collector
  collector = null
  try {
    let gc = (globalThis as { gc?: unknown }).gc
    if (typeof gc !== 'function') {
      // Only builtins are required through it, so the base path does not matter.
      const require = createRequire('/')
      ;(require('node:v8') as typeof import('node:v8')).setFlagsFromString('--expose-gc')
      gc = (require('node:vm') as typeof import('node:vm')).runInNewContext('gc')
    }
    if (typeof gc === 'function') {
      const collect = gc as (options: { type: 'minor' }) => void
      collector = () => collect({ type: 'minor' })
    }
  } catch {
    // A runtime without the extension keeps V8's own schedule: slower to free, still correct.
  }
  return collector
}
