import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { formatAccessLog, parseConfig } from '../core'
import { createFetchProxy } from '../core/engines/fetch'
import { createLogger } from '../core/server/logger'
import { startServer } from '../core/server/start-server'
import type { LoggedProxy } from './gateway-controls'
import { accessLines, describeGateway } from './gateway-controls'
import { functionUrlEvent } from './reliability/lambda-events'
import type { LambdaTarget } from './reliability/lambda-targets'
import { LAMBDA_TARGETS, useLambdaTarget } from './reliability/lambda-targets'
import { HTTP_TARGETS, useHttpTargets } from './reliability/targets'
import { serveFetch } from './serve-fetch'

describeGateway('node engine, self-hosted server', async (env) => {
  const lines: string[] = []
  const config = parseConfig({ OXY_HOST: '127.0.0.1', OXY_PORT: '0', ...env })
  const running = await startServer(
    config,
    createLogger('json', (line) => lines.push(line)),
  )
  return { url: running.url, close: () => running.close(1_000), accessLines: () => accessLines(lines) }
})

describeGateway('fetch engine on Node', async (env) => {
  const lines: string[] = []
  const proxy = createFetchProxy(parseConfig(env), {
    onLog: (entry) => lines.push(formatAccessLog(entry)),
  })
  const served = await serveFetch((request) => proxy.fetch(request))
  return { ...served, accessLines: () => accessLines(lines) }
})

const startHttp = useHttpTargets()
for (const name of HTTP_TARGETS) {
  describeGateway(`${name} artifact`, async (env): Promise<LoggedProxy> => {
    const target = await startHttp(name, env)
    return { url: target.url, close: target.close, accessLines: () => accessLines(target.logs()) }
  })
}

const startLambda = useLambdaTarget()
for (const handler of LAMBDA_TARGETS) {
  describeGateway(
    `aws-lambda.zip ${handler}`,
    async (env) => {
      const target = await startLambda(env)
      return serveLambda(target, handler)
    },
    // serveLambda writes each invocation's whole answer: a stream arrives in one piece.
    { buffersAnswers: true },
  )
}

/** Lets the openai SDK call a Lambda handler: each HTTP request becomes a function URL event. */
async function serveLambda(
  target: LambdaTarget,
  handler: (typeof LAMBDA_TARGETS)[number],
): Promise<LoggedProxy> {
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const [rawPath = '/', rawQueryString = ''] = (req.url ?? '/').split('?')
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string' && name !== 'host' && name !== 'content-length') headers[name] = value
    }
    const body = chunks.length > 0 ? Buffer.concat(chunks).toString('utf8') : undefined
    const event = functionUrlEvent({
      method: req.method ?? 'GET',
      rawPath,
      rawQueryString,
      headers,
      ...(body === undefined ? {} : { body }),
    })
    // The event builder adds a token; this client may have sent its own elsewhere, or none.
    if (headers.authorization === undefined) delete event.headers.authorization
    const answer = await target.invoke(handler, event)
    const { 'content-encoding': _encoding, 'content-length': _length, ...rest } = answer.headers
    res.writeHead(answer.status ?? 502, rest)
    if (answer.ended) res.end(answer.body)
    else res.write(answer.body, () => res.destroy())
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    accessLines: () => accessLines(target.logs()),
    async close() {
      server.closeAllConnections()
      server.close()
      await target.close()
    },
  }
}
