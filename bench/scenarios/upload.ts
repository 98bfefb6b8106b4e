import http from 'node:http'
import type { BenchContext } from '../context'
import { rssMb } from '../processes'
import { rotate } from '../settings'
import type { Spread } from '../stats'
import { record, spread } from '../stats'
import type { ProxyKind } from '../targets'
import { PEERS, PROXY_LABELS, startProxy } from '../targets'
import { mapValues } from './http-load'

export interface UploadResult {
  readonly bytes: number
  readonly upstreamBytesPerSec: number
  /** Peak RSS during the upload minus RSS just before it, MB. */
  readonly growthMb: Record<string, Spread>
  readonly seconds: Record<string, Spread>
}

const SAMPLE_EVERY_MS = 10
const PIECE = Buffer.alloc(64 * 1024, 'a')

/**
 * Scenario 4: a large upload (audio transcription, file upload) to an upstream slower than the
 * client. A proxy that honours backpressure holds a few socket buffers; one that does not holds
 * the file. Fresh proxy per round; memory sampled from /proc while the bytes flow.
 */
export async function benchUpload(ctx: BenchContext): Promise<UploadResult> {
  const { rounds, bytes, upstreamBytesPerSec } = ctx.settings.upload
  const candidates: ProxyKind[] = ['oxy', ...PEERS.filter((kind) => ctx.proxies.includes(kind))]
  const growth: Record<string, number[]> = {}
  const seconds: Record<string, number[]> = {}
  for (let round = 0; round < rounds; round++) {
    for (const kind of rotate(candidates, round)) {
      const name = PROXY_LABELS[kind]
      const proxy = await startProxy(kind, ctx.bundles, ctx.upstream.port, ctx.workDir)
      try {
        // One small exchange first: the baseline includes a warmed-up proxy, not its first request.
        await upload(proxy.port, 1024, upstreamBytesPerSec)
        await new Promise((resolve) => setTimeout(resolve, 200))
        const before = rssMb(proxy.pid)
        let highest = before
        const sampler = setInterval(() => {
          highest = Math.max(highest, rssMb(proxy.pid))
        }, SAMPLE_EVERY_MS)
        const startedAt = performance.now()
        const echoed = await upload(proxy.port, bytes, upstreamBytesPerSec)
        clearInterval(sampler)
        highest = Math.max(highest, rssMb(proxy.pid))
        if (echoed !== bytes) throw new Error(`${name} delivered ${echoed} of ${bytes} bytes`)
        record(growth, name, highest - before)
        record(seconds, name, (performance.now() - startedAt) / 1000)
        ctx.log(`  [4] round ${round + 1} ${name}: RSS ${before.toFixed(1)} -> ${highest.toFixed(1)} MB`)
      } finally {
        await proxy.stop()
      }
    }
  }
  return {
    bytes,
    upstreamBytesPerSec,
    growthMb: mapValues(growth, spread),
    seconds: mapValues(seconds, spread),
  }
}

/** POSTs `bytes` as fast as the proxy takes them; resolves with the size the upstream counted. */
function upload(port: number, bytes: number, rate: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: `/v1/upload?rate=${rate}`,
        agent: false,
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes) },
        // Bounded: a proxy that stalls the body fails the run instead of hanging it.
        timeout: 60_000,
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8').on('data', (chunk: string) => {
          body += chunk
        })
        res.on('end', () => {
          try {
            resolve((JSON.parse(body) as { bytes: number }).bytes)
          } catch {
            reject(new Error(`upload answered ${res.statusCode}: ${body.slice(0, 200)}`))
          }
        })
      },
    )
    req.on('timeout', () => req.destroy(new Error('upload timed out')))
    req.on('error', reject)
    let sent = 0
    const pump = () => {
      while (sent < bytes) {
        const piece = PIECE.subarray(0, Math.min(PIECE.length, bytes - sent))
        sent += piece.length
        if (!req.write(piece)) return void req.once('drain', pump)
      }
      req.end()
    }
    pump()
  })
}
