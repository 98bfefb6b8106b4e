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
/**
 * Why streams failed, so that a run says whose failure it was: `noResponse` (an error before any response:
 * reset, refused, or a handshake the server's listen queue dropped), `status` (not 200), `cut`
 * (ended by an error after the 200), `unfinished` (still open at DEADLINE_MS).
 */
const failures = { noResponse: 0, status: 0, cut: 0, unfinished: 0 }

function fail(kind: keyof typeof failures): void {
  failures[kind]++
  failed++
  finish()
}

function open(): void {
  const req = http.get(url, { agent: false }, (res) => {
    if (res.statusCode !== 200) {
      res.resume()
      return fail('status')
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
    res.on('error', () => fail('cut'))
  })
  req.on('error', () => fail('noResponse'))
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
    failures,
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
  failures.unfinished = streams - settled
  failed += failures.unfinished
  report()
}, deadlineMs).unref()
