// Serves a Vercel function file the way Vercel's Node.js runtime calls a Web handler: one long-
// lived process (Fluid compute) that turns each node:http request into a Web Request, with the
// headers Vercel's proxy sets and the rewrite's parameter appended to the query, calls the
// default export's fetch, and streams the Response back. Run in bare node by the Vercel tests and
// the cold-start bench: node vercel-host-child.mjs <api/oxy.js> <rewrite parameter> [port]
// https://vercel.com/docs/functions/functions-api-reference, https://vercel.com/docs/headers/request-headers
import { once } from 'node:events'
import http from 'node:http'
import { Readable } from 'node:stream'
import { pathToFileURL } from 'node:url'

const [functionFile, rewriteParam, port = '0'] = process.argv.slice(2)
const handler = (await import(pathToFileURL(functionFile).href)).default

/** What Vercel's proxy puts on every request, replacing whatever the client sent under these names. */
function vercelHeaders(req) {
  const client = req.socket.remoteAddress ?? '127.0.0.1'
  return {
    'x-forwarded-for': client,
    'x-real-ip': client,
    'x-forwarded-proto': 'https',
    'x-forwarded-host': req.headers.host ?? 'oxy.vercel.app',
    'x-vercel-id': 'hkg1::iad1::test-1733000000000-000000000000',
    'x-vercel-ip-country': 'CN',
    'x-vercel-ip-city': 'Shenzhen',
    'x-vercel-forwarded-for': client,
    'x-vercel-deployment-url': 'oxy-test.vercel.app',
    'x-vercel-oidc-token': 'eyJhbGciOiJSUzI1NiJ9.fakeOidcTokenFromTheHost.sig',
  }
}

/** The client's path and query, then the parameter the rewrite `/:name*` matched, as Vercel appends it. */
function rewrittenUrl(req) {
  const target = req.url ?? '/'
  const path = target.split('?', 1)[0]
  const appended = `${rewriteParam}=${encodeURIComponent(path.slice(1))}`
  return `http://${req.headers.host}${target}${target.includes('?') ? '&' : '?'}${appended}`
}

const server = http.createServer(async (req, res) => {
  const abort = new AbortController()
  res.once('close', () => {
    if (!res.writableFinished) abort.abort()
  })
  const injected = vercelHeaders(req)
  const headers = new Headers()
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    if (!(req.rawHeaders[i].toLowerCase() in injected))
      headers.append(req.rawHeaders[i], req.rawHeaders[i + 1])
  }
  for (const [name, value] of Object.entries(injected)) headers.set(name, value)
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
  let response
  try {
    response = await handler.fetch(
      new Request(rewrittenUrl(req), {
        method: req.method,
        headers,
        body: hasBody ? Readable.toWeb(req) : null,
        signal: abort.signal,
        duplex: 'half',
      }),
    )
  } catch (error) {
    // What Vercel answers when a function throws.
    console.error(error)
    res.writeHead(500, { 'content-type': 'text/plain' }).end('FUNCTION_INVOCATION_FAILED')
    return
  }
  const raw = []
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') raw.push(name, value)
  })
  for (const cookie of response.headers.getSetCookie()) raw.push('set-cookie', cookie)
  res.writeHead(response.status, raw)
  res.flushHeaders()
  if (!response.body) return res.end()
  const reader = response.body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      if (!res.write(value)) await once(res, 'drain')
    }
    res.end()
  } catch {
    res.destroy()
  }
})

server.listen(Number(port), '127.0.0.1', () => {
  console.log(`Listening on http://127.0.0.1:${server.address().port}/`)
})
