import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ProxyUnderTest, StartProxy } from './conformance'
import type { FakeOpenAI } from './fake-openai'
import { MODELS, SSE_TOKENS, startFakeOpenAI } from './fake-openai'
import { sendRaw } from './raw-http'

export const TOKEN_A = 'oxy-token-aaaaaaaaaaaaaaaa'
export const TOKEN_B = 'oxy-token-bbbbbbbbbbbbbbbb'
export const OWNER_KEY = 'sk-owner-0123456789abcdef0123456789abcdef'

/**
 * What an owner relies on to leave a proxy running on a public URL: tokens, a server-held
 * key, several upstreams, Azure for unmodified OpenAI clients, and the ask route. Runs
 * against any engine or artifact.
 */
export function describeOwnerControls(name: string, start: StartProxy): void {
  describe(`owner controls: ${name}`, () => {
    let upstream: FakeOpenAI
    let second: FakeOpenAI
    const proxies: ProxyUnderTest[] = []
    const startProxy = async (env: Record<string, string>) => {
      const proxy = await start(env)
      proxies.push(proxy)
      return proxy
    }
    const sdk = (proxy: ProxyUnderTest, apiKey: string) =>
      new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey, maxRetries: 0, timeout: 10_000 })

    beforeAll(async () => {
      upstream = await startFakeOpenAI()
      second = await startFakeOpenAI()
    })
    afterAll(async () => {
      await Promise.all(proxies.map((proxy) => proxy.close()))
      await upstream.close()
      await second.close()
    })

    describe('with OXY_ACCESS_KEYS', () => {
      let proxy: ProxyUnderTest
      beforeAll(async () => {
        proxy = await startProxy({ OXY_TARGET: upstream.url, OXY_ACCESS_KEYS: `${TOKEN_A},${TOKEN_B}` })
      })

      it('should refuse a missing or wrong token with an OpenAI-shaped 401 that never reaches the upstream', async () => {
        const before = upstream.received.length
        const attempts: Record<string, string>[] = [
          {},
          { Authorization: 'Bearer oxy-token-wrongwrongwrong' },
          { 'x-api-key': TOKEN_A.slice(0, -1) },
        ]
        for (const headers of attempts) {
          const response = await fetch(`${proxy.url}/v1/models`, { headers })
          expect(response.status).toBe(401)
          expect(await response.json()).toMatchObject({
            error: { type: 'oxy_error', code: 'invalid_access_key' },
          })
        }
        expect(upstream.received.length).toBe(before)
      })

      it('should accept a token as Bearer, api-key or x-api-key, and never forward it', async () => {
        const ok = await sdk(proxy, TOKEN_A).models.list()
        expect(ok.data).toHaveLength(MODELS.data.length)
        const variants: Record<string, string>[] = [{ 'api-key': TOKEN_B }, { 'x-api-key': TOKEN_A }]
        for (const headers of variants) {
          expect((await fetch(`${proxy.url}/v1/models`, { headers })).status).toBe(200)
        }
        for (const request of upstream.received.slice(-3)) {
          const raw = request.rawHeaders.join('\n')
          expect(raw).not.toContain(TOKEN_A)
          expect(raw).not.toContain(TOKEN_B)
        }
      })

      it('should answer preflight and health without a token', async () => {
        const preflight = await fetch(`${proxy.url}/v1/chat/completions`, {
          method: 'OPTIONS',
          headers: { Origin: 'https://chat.example.com', 'Access-Control-Request-Method': 'POST' },
        })
        expect(preflight.status).toBe(204)
        expect((await fetch(`${proxy.url}/_oxy/health`)).status).toBe(200)
      })
    })

    describe('with OXY_UPSTREAM_KEY', () => {
      let proxy: ProxyUnderTest
      beforeAll(async () => {
        proxy = await startProxy({
          OXY_TARGET: upstream.url,
          OXY_ACCESS_KEYS: TOKEN_A,
          OXY_UPSTREAM_KEY: OWNER_KEY,
        })
      })

      it("should replace the client's credential with the owner's key, and show the key to no one", async () => {
        const stream = await sdk(proxy, TOKEN_A).chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'hi' }],
          stream: true,
        })
        let text = ''
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
        expect(text).toBe(SSE_TOKENS.join(''))
        const seen = upstream.last('/v1/chat/completions')
        expect(seen.headers.authorization).toBe(`Bearer ${OWNER_KEY}`)
        expect(seen.rawHeaders.join('\n')).not.toContain(TOKEN_A)

        // Failures the proxy answers itself, before and after a response head: nothing it sends
        // names the key. Read so that no failure can skip the check: a cut body is checked as far as it came.
        const auth = { Authorization: `Bearer ${TOKEN_A}` }
        const before = await readEverything(`${proxy.url}/fake/reset-before-headers`, auth)
        const after = await readEverything(`${proxy.url}/fake/stream?reset=1`, auth)
        expect(before).toMatch(/"code":"upstream_\w+"/)
        expect(after).toContain('data: ')
        expect(before + after).not.toContain(OWNER_KEY)
      })

      it("should answer GET /_oxy/ask with the model's text, for token holders only", async () => {
        const refused = await fetch(`${proxy.url}/_oxy/ask?q=hello`)
        expect(refused.status).toBe(401)
        const answer = await fetch(`${proxy.url}/_oxy/ask?q=${encodeURIComponent('What is oxy?')}`, {
          headers: { Authorization: `Bearer ${TOKEN_A}` },
        })
        expect(answer.status).toBe(200)
        expect(answer.headers.get('content-type')).toMatch(/^text\/plain/)
        expect(await answer.text()).toBe(SSE_TOKENS.join(''))
        const sent = upstream.last('/v1/chat/completions')
        expect(JSON.parse(sent.body.toString())).toMatchObject({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'What is oxy?' }],
        })
        expect(sent.headers.authorization).toBe(`Bearer ${OWNER_KEY}`)
      })
    })

    it('should not offer /_oxy/ask without a server-held key', async () => {
      const proxy = await startProxy({ OXY_TARGET: upstream.url })
      expect((await fetch(`${proxy.url}/_oxy/ask?q=hi`)).status).toBe(404)
    })

    describe('with OXY_ROUTES', () => {
      let proxy: ProxyUnderTest
      beforeAll(async () => {
        proxy = await startProxy({
          OXY_TARGET: upstream.url,
          OXY_ROUTES: `/second=${second.url},/second/deep=${second.url}/openai`,
        })
      })

      it('should send a prefixed path to its upstream with the prefix removed, longest prefix first', async () => {
        expect((await fetch(`${proxy.url}/second/v1/models`)).status).toBe(200)
        expect(second.last().url).toBe('/v1/models')
        expect((await fetch(`${proxy.url}/second/deep/fake/echo?x=1`)).status).toBe(200)
        expect(second.last().url).toBe('/openai/fake/echo?x=1')
        expect(second.last().headers.host).toBe(new URL(second.url).host)
      })

      it('should send everything else to OXY_TARGET, including look-alike prefixes', async () => {
        const before = second.received.length
        expect((await fetch(`${proxy.url}/v1/models`)).status).toBe(200)
        await fetch(`${proxy.url}/secondx/v1/models`)
        expect(upstream.last().url).toBe('/secondx/v1/models')
        expect(second.received.length).toBe(before)
      })

      it('should not let a path escape its route with .. or encoded slashes', async () => {
        const beforeFirst = upstream.received.length
        const beforeSecond = second.received.length
        const { port, pathname } = new URL(proxy.url)
        const base = pathname.replace(/\/$/, '')
        const attempts = [
          '/second/../v1/models',
          '/second/%2e%2e/v1/models',
          '/second%2f..%2fv1/models',
          '/second/..%2fv1',
        ]
        for (const path of attempts) {
          // Raw bytes: fetch() would resolve the dot segments before sending. A runtime that
          // resolves them itself (WHATWG URL) may route the result; the node engine refuses it.
          const answer = await sendRaw(
            Number(port),
            `GET ${base}${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
          )
          expect(answer.status, path).toBeDefined()
        }
        expect(second.received.length).toBe(beforeSecond)
        for (const request of [...upstream.received.slice(beforeFirst), ...second.received]) {
          expect(request.url).not.toMatch(/(^|\/)\.\.?(\/|$)|%2e|%2f|%5c/i)
        }
      })
    })

    describe('with OXY_AZURE_DEPLOYMENTS', () => {
      let proxy: ProxyUnderTest
      beforeAll(async () => {
        proxy = await startProxy({
          OXY_TARGET: upstream.url,
          OXY_AZURE_DEPLOYMENTS: 'gpt-4o=my-4o,whisper-1=my-whisper',
          OXY_AZURE_API_VERSION: '2024-10-21',
        })
      })

      it('should map an unmodified OpenAI client onto Azure deployments, with api-key', async () => {
        const completion = await sdk(proxy, 'azure-key-123').chat.completions.create({
          model: 'gpt-4o',
          messages: [{ role: 'user', content: 'hi' }],
        })
        expect(completion.choices[0]?.message.content).toBe(SSE_TOKENS.join(''))
        const seen = upstream.last('/openai/')
        expect(seen.url).toBe('/openai/deployments/my-4o/chat/completions?api-version=2024-10-21')
        expect(seen.headers['api-key']).toBe('azure-key-123')
        expect(seen.headers.authorization).toBeUndefined()
        expect(JSON.parse(seen.body.toString())).toMatchObject({ model: 'gpt-4o' })
      })

      it('should list the deployed models and refuse unknown ones with an OpenAI-shaped 404', async () => {
        const models = await sdk(proxy, 'azure-key-123').models.list()
        expect(models.data.map((model) => model.id)).toEqual(['gpt-4o', 'whisper-1'])
        const error = await sdk(proxy, 'azure-key-123')
          .chat.completions.create({ model: 'gpt-5', messages: [{ role: 'user', content: 'hi' }] })
          .catch((caught: unknown) => caught)
        expect(error).toBeInstanceOf(OpenAI.NotFoundError)
        expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('unknown_model')
      })

      it('should find the model in a multipart upload', async () => {
        const result = await sdk(proxy, 'azure-key-123').audio.transcriptions.create({
          file: new File([new Uint8Array(1024)], 'a.mp3', { type: 'audio/mpeg' }),
          model: 'whisper-1',
        })
        expect(result.text).toBe('received 1024 bytes')
        expect(upstream.last('/openai/').url).toBe(
          '/openai/deployments/my-whisper/audio/transcriptions?api-version=2024-10-21',
        )
      })
    })
  })
}

/** Status, headers and as much of the body as arrived, or the error: never throws. */
async function readEverything(url: string, headers: Record<string, string>): Promise<string> {
  let seen = ''
  try {
    const response = await fetch(url, { headers })
    seen += `${response.status} ${JSON.stringify([...response.headers])}\n`
    const reader = response.body?.getReader()
    for (;;) {
      const chunk = await reader?.read()
      if (!chunk || chunk.done) break
      seen += Buffer.from(chunk.value).toString()
    }
  } catch (error) {
    seen += String(error)
  }
  return seen
}
