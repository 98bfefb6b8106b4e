import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { track } from './processes'

/** What one wrk run reports; latencies in microseconds (wrk's own resolution). */
export interface WrkResult {
  readonly requests: number
  readonly requestsPerSec: number
  readonly errors: number
  readonly non2xx: number
  readonly p50Us: number
  readonly p99Us: number
}

/**
 * A chat-completion-sized POST, as SDKs send it; wrk prints its summary as one JSON line so
 * nothing depends on its human-readable format.
 */
const SCRIPT = `
wrk.method = "POST"
wrk.body = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello"}]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer __TOKEN__"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"durationUs":%d,"errors":%d,"non2xx":%d,"p50Us":%d,"p99Us":%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
`

/** The script, sending `token` as the client's key (an OpenAI key, or an access key in gateway mode). */
export async function writeWrkScript(dir: string, token = 'sk-bench-0000000000000000'): Promise<string> {
  const file = path.join(dir, `post-small-${token}.lua`)
  await writeFile(file, SCRIPT.replace('__TOKEN__', token))
  return file
}

export async function runWrk(options: {
  readonly script: string
  readonly port: number
  readonly connections: number
  readonly seconds: number
}): Promise<WrkResult> {
  const { script, port, connections, seconds } = options
  const args = [
    '-t1',
    `-c${connections}`,
    `-d${seconds}s`,
    '--timeout',
    '5s',
    '-s',
    script,
    `http://127.0.0.1:${port}/v1/small`,
  ]
  const child = track(spawn('wrk', args, { stdio: ['ignore', 'pipe', 'inherit'] }))
  let stdout = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
  })
  // wrk stops itself after -d; this bounds a wrk that hangs on a dead server.
  const guard = setTimeout(() => child.kill('SIGKILL'), (seconds + 15) * 1000)
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  clearTimeout(guard)
  const line = stdout.split('\n').find((l) => l.startsWith('{"requests"'))
  if (code !== 0 || !line) throw new Error(`wrk exited with ${code}: ${stdout.trim()}`)
  const parsed = JSON.parse(line) as Omit<WrkResult, 'requestsPerSec'> & { durationUs: number }
  return { ...parsed, requestsPerSec: parsed.requests / (parsed.durationUs / 1e6) }
}
