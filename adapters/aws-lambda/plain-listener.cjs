'use strict'

// Bundled in place of serverless-http's lib/framework/get-framework.js (see build/targets.ts).
// That module tells express, koa, hapi and a dozen other frameworks apart; oxy always hands it a
// plain node:http listener, which it would wrap exactly like this.
const Response = require('serverless-http/lib/response')

module.exports = function getFramework(listener) {
  return (request) => {
    const response = new Response(request)
    listener(request, response)
    return response
  }
}
