import type { Machine } from './machine'
import type { ColdStartResult } from './scenarios/cold-start'
import type { LatencyResult, ThroughputResult } from './scenarios/http-load'
import type { SseResult } from './scenarios/sse'
import type { UploadResult } from './scenarios/upload'

/** One run's results; what the report and the chart are made from. */
export interface BenchResults {
  readonly machine: Machine
  readonly mode: 'full' | 'quick'
  readonly notes: string[]
  throughput?: ThroughputResult
  latency?: LatencyResult
  sse?: SseResult
  upload?: UploadResult
  coldStart?: ColdStartResult
}
