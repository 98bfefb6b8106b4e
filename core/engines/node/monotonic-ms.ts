/**
 * Milliseconds on a monotonic clock, for durations and deadlines inside the node engine.
 * process.hrtime rather than performance.now(): the first read of the global `performance` loads
 * node:perf_hooks (ten internal modules), ~1 % of a bare server's start-up instructions and ~3 %
 * of a bare Lambda handler's (callgrind, docs/benchmarks.md), on every cold start.
 */
export function monotonicMs(): number {
  const [seconds, nanoseconds] = process.hrtime()
  return seconds * 1e3 + nanoseconds / 1e6
}
