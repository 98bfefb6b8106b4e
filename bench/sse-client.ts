import http from 'node:http'
import { percentile } from './stats'

/**
 * Opens STREAMS concurrent SSE streams to URL (ramped over RAMP_MS, as real users do not all
 * press enter in the same millisecond) and, for every chunk, records how long after the upstream
 * wrote it the chunk arrived here. Run as its own process; prints one JSON line.
 */
const url = process.env.URL ?? ''
const streams = Number(process.env.STREAMS ?? 1000)
const rampMs = Number(process.env.RAMP_MS ?? 1000)
const deadlineMs = Number(process.env.DEADLINE_MS ?? 60_000)
const CHUNK = /"t":(\d+)/g

const delaysUs: number[] = []
let completed = 0
let failed = 0
let settled = 0

function open(): void {
  const req = http.get(url, { agent: false }, (res) => {
    if (res.statusCode !== 200) {
      failed++
      res.resume()
      return finish()
    }
    let carry = ''
    res.setEncoding('utf8')
    res.on('data', (text: string) => {
      const now = process.hrtime.bigint()
      const buffer = carry + text
      const lastEnd = buffer.lastIndexOf('\n\n')
      carry = lastEnd === -1 ? buffer : buffer.slice(lastEnd + 2)
      for (const match of buffer.slice(0, lastEnd + 2).matchAll(CHUNK)) {
        delaysUs.push(Number(now - BigInt(match[1]!)) / 1000)
      }
    })
    res.on('end', () => {
      completed++
      finish()
    })
    res.on('error', () => {
      failed++
      finish()
    })
  })
  req.on('error', () => {
    failed++
    finish()
  })
}

function finish(): void {
  if (++settled < streams) return
  report()
}

function report(): void {
  const result = {
    streams,
    completed,
    failed,
    chunks: delaysUs.length,
    p50Us: percentile(delaysUs, 50),
    p99Us: percentile(delaysUs, 99),
    maxUs: percentile(delaysUs, 100),
  }
  process.stdout.write(`${JSON.stringify(result)}\n`)
  process.exit(0)
}

for (let i = 0; i < streams; i++) setTimeout(open, (i * rampMs) / streams)
// Bounded: a proxy that stalls streams still produces a (failing) result instead of a hang.
setTimeout(() => {
  failed += streams - settled
  report()
}, deadlineMs).unref()
