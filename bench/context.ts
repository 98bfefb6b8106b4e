import type { BundleName } from './bundle'
import type { Settings } from './settings'
import type { Endpoint, ProxyKind } from './targets'
import type { Tools } from './tools'

/** What every scenario gets from the runner. */
export interface BenchContext {
  readonly settings: Settings
  readonly tools: Tools
  readonly bundles: Record<BundleName, string>
  /** A temporary directory removed at the end. */
  readonly workDir: string
  readonly upstream: Endpoint
  /** The proxies this machine can run: nginx only when installed. */
  readonly proxies: readonly ProxyKind[]
  log(message: string): void
}
