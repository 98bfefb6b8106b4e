'use strict'
/**
 * Plays the Lambda Node.js runtime for one unzipped index.js, in its own process: installs the
 * `awslambda` global, requires the bundle once (a cold start), then invokes exported handlers
 * for events the parent sends over IPC. Plain CommonJS, run by bare node, like the real runtime.
 */
const { createResponseStream, installAwsLambdaGlobal, STREAMING } = require('./fake-awslambda.cjs')

installAwsLambdaGlobal()
const handlers = require(process.argv[2])

let invocations = 0

function createContext() {
  invocations += 1
  return {
    awsRequestId: `00000000-0000-4000-8000-${String(invocations).padStart(12, '0')}`,
    functionName: 'oxy',
    functionVersion: '$LATEST',
    memoryLimitInMB: '128',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 60_000,
  }
}

async function invoke(message) {
  const handler = handlers[message.handler]
  if (typeof handler !== 'function') throw new Error(`index.${message.handler} is not a function`)
  if (!message.streamTo) return { result: await handler(message.event, createContext()) }
  if (handler[STREAMING] !== 'response') throw new Error(`index.${message.handler} is not streamified`)
  const { stream, finished } = createResponseStream(message.streamTo)
  try {
    await handler(message.event, stream, createContext())
  } catch (error) {
    // The runtime fails the invocation: error trailers, then the request ends. The stand-in cuts it.
    stream.destroy()
    await finished
    return { result: { rejected: String(error?.message) } }
  }
  await finished
  return { result: { rejected: undefined, writableFinished: stream.writableFinished } }
}

process.on('message', (message) => {
  invoke(message).then(
    (reply) => process.send({ id: message.id, ...reply }),
    (error) => process.send({ id: message.id, error: String(error?.stack || error) }),
  )
})
process.send({ ready: true })
