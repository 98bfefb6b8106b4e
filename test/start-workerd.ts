import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { Log, LogLevel, Miniflare } from 'miniflare'
import type { ProxyUnderTest } from './conformance'

export interface WorkerdOptions {
  /** The built worker.js, as a user deploys it. */
  readonly script: string
  readonly compatibilityDate: string
  readonly compatibilityFlags?: readonly string[]
  /** The Worker's variables, as `[vars]` in wrangler.toml or the dashboard would set them. */
  readonly bindings: Record<string, unknown>
  /** Each line the Worker writes with console.log / console.error. */
  readonly onOutput?: (line: string) => void
  /**
   * As on Cloudflare, let the runtime set CF-Worker on every subrequest and remove
   * CF-Connecting-IP. Off by default so header tests see what the Worker itself sends, not what
   * the runtime fixes up after it. https://developers.cloudflare.com/workers/runtime-apis/headers/
   */
  readonly cloudflareSubrequestHeaders?: boolean
}

/**
 * Runs a Worker script on workerd, Cloudflare's runtime, through miniflare, on a loopback port.
 * cf: false keeps miniflare from downloading request.cf data from the network; the Worker never
 * reads it. Miniflare's own entry worker still adds CF-Connecting-IP, as Cloudflare's edge does.
 */
export async function startWorkerd(options: WorkerdOptions): Promise<ProxyUnderTest> {
  const { onOutput } = options
  const mf = new Miniflare({
    modules: true,
    script: options.script,
    compatibilityDate: options.compatibilityDate,
    compatibilityFlags: [...(options.compatibilityFlags ?? [])],
    stripCfConnectingIp: options.cloudflareSubrequestHeaders ?? false,
    bindings: options.bindings,
    host: '127.0.0.1',
    port: 0,
    cf: false,
    log: new Log(LogLevel.WARN),
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      if (!onOutput) return
      forwardLines(stdout, onOutput)
      forwardLines(stderr, onOutput)
    },
  })
  const url = await mf.ready
  return {
    url: url.href.replace(/\/$/, ''),
    close: () => mf.dispose(),
  }
}

function forwardLines(stream: Readable, onLine: (line: string) => void): void {
  createInterface({ input: stream }).on('line', onLine)
}
