import type { ArtifactSet } from './artifacts'
import type { BundleName } from './bundle'
import type { GatewaySupport } from './gateway'
import type { Settings } from './settings'
import type { Endpoint, ProxyKind } from './targets'
import type { Tools } from './tools'

/** What every scenario gets from the runner. */
export interface BenchContext {
  readonly settings: Settings
  readonly tools: Tools
  readonly bundles: Record<BundleName, string>
  /** The built zips, unpacked, as the platforms receive them. */
  readonly artifacts: ArtifactSet
  /** A temporary directory removed at the end. */
  readonly workDir: string
  readonly upstream: Endpoint
  /** The proxies this machine can run: nginx only when installed. */
  readonly proxies: readonly ProxyKind[]
  /** Which gateway modes this build runs (issues 13 and 14), found by asking it. */
  readonly gateway: GatewaySupport
  log(message: string): void
}
