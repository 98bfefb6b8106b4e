'use strict'
/**
 * A stand-in for the `awslambda` global of the Lambda Node.js runtime, following its documented
 * contract (https://docs.aws.amazon.com/lambda/latest/dg/config-rs-write-functions.html) and the
 * runtime interface client's code (aws-lambda-nodejs-runtime-interface-client: ResponseStream.js,
 * HttpResponseStream.js):
 * - streamifyResponse only tags the handler;
 * - HttpResponseStream.from sets the integration content type and sends
 *   JSON prelude + 8 NUL bytes just before the first write;
 * - the response stream is a chunked HTTP POST to the runtime API (here a local server), handed
 *   to the handler as a plain wrapper object, whose end(cb) passes its argument as the callback
 *   only (so end(data) bypasses the prelude, as in the real runtime).
 * Plain CommonJS so it runs in the child process exactly as the runtime's own code would.
 */
const http = require('node:http')

const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming')
const HIGH_WATER_MARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark')
const INTEGRATION_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response'

function streamifyResponse(handler, options) {
  handler[STREAMING] = 'response'
  if (options?.highWaterMark) handler[HIGH_WATER_MARK] = options.highWaterMark
  return handler
}

const HttpResponseStream = {
  from(stream, prelude) {
    stream.setContentType(INTEGRATION_CONTENT_TYPE)
    const metadata = JSON.stringify(prelude)
    stream._onBeforeFirstWrite = (write) => {
      write(metadata)
      write(new Uint8Array(8))
    }
    return stream
  },
}

function installAwsLambdaGlobal() {
  globalThis.awslambda = { streamifyResponse, HttpResponseStream }
}

/** The response stream for one invocation, posting to `url` as the runtime posts to its API. */
function createResponseStream(url) {
  const request = http.request(url, {
    method: 'POST',
    agent: false,
    headers: {
      'Lambda-Runtime-Function-Response-Mode': 'streaming',
      'Transfer-Encoding': 'chunked',
      Trailer: 'Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body',
      'Content-Type': 'application/octet-stream',
    },
  })
  let written = false
  const originalWrite = request.write.bind(request)
  const originalEnd = request.end.bind(request)
  const wrapper = {
    _onBeforeFirstWrite: undefined,
    setContentType(type) {
      if (written) throw new Error('Cannot set content-type, too late.')
      request.setHeader('Content-Type', type)
    },
    write(chunk, encoding, callback) {
      if (!written) {
        written = true
        if (typeof wrapper._onBeforeFirstWrite === 'function') {
          wrapper._onBeforeFirstWrite((data) => originalWrite(data))
        }
      }
      const data = typeof chunk === 'string' || chunk instanceof Uint8Array ? chunk : JSON.stringify(chunk)
      return originalWrite(data, encoding, callback)
    },
    end(callback) {
      return originalEnd(callback)
    },
    cork: () => request.cork(),
    uncork: () => request.uncork(),
    destroy: (error) => request.destroy(error),
  }
  for (const method of [
    'on',
    'once',
    'off',
    'addListener',
    'removeListener',
    'removeAllListeners',
    'emit',
    'listeners',
    'listenerCount',
    'prependListener',
    'prependOnceListener',
  ]) {
    wrapper[method] = request[method].bind(request)
  }
  for (const property of [
    'writableFinished',
    'writableEnded',
    'writableNeedDrain',
    'writableHighWaterMark',
    'writableLength',
    'writableCorked',
    'writableObjectMode',
    'destroyed',
    'writable',
  ]) {
    Object.defineProperty(wrapper, property, { get: () => request[property], enumerable: true })
  }
  // The runtime never exposes the request; tests use it to wait for the end of the invocation.
  const finished = new Promise((resolve) => request.once('close', resolve))
  request.on('response', (response) => response.resume())
  return { stream: wrapper, finished }
}

module.exports = { installAwsLambdaGlobal, createResponseStream, STREAMING, INTEGRATION_CONTENT_TYPE }
