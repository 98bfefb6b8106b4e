import type { AccessLogEntry } from '../../core'
import { formatAccessLog } from '../../core'
import { createLazyLimiter } from '../../core/limits/load-limiter'
import { createBufferedHandler } from './buffered-handler'
import { loadConfig } from './load-config'
import { createServe } from './serve'
import type { AwsLambdaGlobal } from './stream-handler'
import { createStreamHandler } from './stream-handler'

// The Lambda bundle's entry (index.js): configuration is read once per cold start.
const loaded = loadConfig(process.env)
if (!loaded.ok) writeLine({ level: 'error', msg: 'invalid configuration', error: loaded.error.message })
const onLog = loaded.ok && loaded.config.log === 'json' ? logAccess : undefined
// One engine and one limiter for both handlers; the limits chunk (oxy-limits.js) loads on the first request.
const limits = loaded.ok ? loaded.config.limits : undefined
const limiter =
  limits &&
  createLazyLimiter(
    limits,
    (level, msg) => loaded.ok && loaded.config.log === 'json' && writeLine({ level, msg }),
  )

const serve = createServe(loaded, onLog, limiter)

/** index.handler: API Gateway REST and HTTP APIs, ALB, and function URLs in BUFFERED mode. */
export const handler = createBufferedHandler(serve)

/** index.streamHandler: function URLs in RESPONSE_STREAM mode. */
export const streamHandler = createStreamHandler(serve, runtimeGlobal())

/** The Node.js runtime defines `awslambda` before it loads the handler module. */
function runtimeGlobal(): AwsLambdaGlobal | undefined {
  return (globalThis as { awslambda?: AwsLambdaGlobal }).awslambda
}

/** CloudWatch keeps what the function writes to stdout, one JSON line per request. */
function logAccess(entry: AccessLogEntry): void {
  process.stdout.write(`${formatAccessLog(entry)}\n`)
}

function writeLine(fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...fields })}\n`)
}
