// Serves a Netlify Edge Function file on Deno the way Netlify's edge runtime calls it: the
// default export gets the Web Request, with the x-nf-* headers Netlify adds, and a context; the
// Netlify global carries the site's variables; the function runs only on the paths its `config`
// declares. Run with the deno binary by the Netlify tests and the cold-start bench:
//   deno run --allow-net --allow-env --allow-read netlify-edge-host.mjs <function file> [port]
// https://docs.netlify.com/build/edge-functions/api/
const [functionFile, port = '0'] = Deno.args

globalThis.Netlify = {
  env: {
    get: (name) => Deno.env.get(name),
    has: (name) => Deno.env.has(name),
    toObject: () => Deno.env.toObject(),
    set: (name, value) => Deno.env.set(name, value),
    delete: (name) => Deno.env.delete(name),
  },
}

const fn = await import(new URL(`file://${functionFile}`).href)
const paths = [fn.config?.path ?? []].flat()
const patterns = paths.map((pathname) => new URLPattern({ pathname }))

/** What Netlify's edge puts on every request, replacing whatever the client sent under these names. */
function netlifyHeaders(address) {
  return {
    'x-forwarded-for': address,
    'x-nf-client-connection-ip': address,
    'x-nf-geo': btoa(JSON.stringify({ city: 'Shenzhen', country: { code: 'CN' } })),
    'x-nf-account-id': 'test-account',
    'x-nf-site-id': 'test-site',
    'x-nf-deploy-id': 'test-deploy',
    'x-nf-request-id': crypto.randomUUID(),
  }
}

Deno.serve(
  {
    hostname: '127.0.0.1',
    port: Number(port),
    onListen: ({ port }) => console.log(`Listening on http://127.0.0.1:${port}/`),
  },
  (request, info) => {
    // No function on this path: Netlify would serve the site's static files instead.
    if (!patterns.some((pattern) => pattern.test(request.url))) return new Response('static', { status: 404 })
    const address = info.remoteAddr.hostname
    const headers = new Headers(request.headers)
    for (const [name, value] of Object.entries(netlifyHeaders(address))) headers.set(name, value)
    const context = {
      ip: address,
      geo: { city: 'Shenzhen', country: { code: 'CN', name: 'China' } },
      requestId: headers.get('x-nf-request-id'),
      next: () => new Response('static', { status: 404 }),
    }
    return fn.default(new Request(request, { headers }), context)
  },
)
