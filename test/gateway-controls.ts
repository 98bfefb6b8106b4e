import OpenAI, { APIError } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ProxyUnderTest } from './conformance'
import { REFUSED_TARGET } from './conformance'
import type { FakeKeyedUpstream } from './fake-keyed-upstream'
import {
  CHAT_TEXT,
  KEY_DIES_AFTER_HEAD,
  KEY_GOOD,
  KEY_NO_QUOTA,
  KEY_OVERLOADED,
  KEY_REVOKED,
  KEY_WRONG_REGION,
  MODEL_HELD,
  startFakeKeyedUpstream,
  USAGE,
} from './fake-keyed-upstream'
import { sha256 } from './fake-openai'
import { TOKEN_A, TOKEN_B } from './owner-controls'
import { postInParts } from './raw-http'

/** A proxy under test whose access-log lines can be read. */
export interface LoggedProxy extends ProxyUnderTest {
  /** The JSON lines with msg "request" written so far. */
  accessLines(): Record<string, unknown>[]
}

/** The access-log lines among a target's output lines. */
export function accessLines(lines: readonly string[]): Record<string, unknown>[] {
  return lines.flatMap((line) => {
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>
      return parsed.msg === 'request' ? [parsed] : []
    } catch {
      return []
    }
  })
}

export type StartLoggedProxy = (env: Record<string, string>) => Promise<LoggedProxy>

const ALL_KEYS = [KEY_REVOKED, KEY_NO_QUOTA, KEY_OVERLOADED, KEY_GOOD]
const MESSAGES = [{ role: 'user' as const, content: 'Say hello' }]
const WAIT_MS = 5_000

/** Waits (bounded) until the proxy has written `count` access lines, and returns them. */
async function linesAfter(proxy: LoggedProxy, count: number): Promise<Record<string, unknown>[]> {
  const until = Date.now() + WAIT_MS
  while (proxy.accessLines().length < count && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
  return proxy.accessLines()
}

export interface GatewayOptions {
  /** The target hands the client each answer whole: both Lambda handlers, as these tests serve them. */
  readonly buffersAnswers?: boolean
}

/**
 * A shared proxy, as a team uses it: a pool of upstream keys with failover, fallback targets,
 * named access keys with model rules, and token usage in the access log. Runs on any engine or
 * artifact, with the openai SDK as the client.
 */
export function describeGateway(name: string, start: StartLoggedProxy, options: GatewayOptions = {}): void {
  describe(`gateway: ${name}`, () => {
    let upstream: FakeKeyedUpstream
    const proxies: LoggedProxy[] = []
    const startProxy = async (env: Record<string, string>) => {
      const proxy = await start({
        OXY_TARGET: upstream.url,
        OXY_ACCESS_KEYS: `alice:${TOKEN_A},bob:${TOKEN_B}`,
        ...env,
      })
      proxies.push(proxy)
      return proxy
    }
    const sdk = (proxy: ProxyUnderTest, apiKey = TOKEN_A) =>
      new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey, maxRetries: 0, timeout: 10_000 })

    beforeAll(async () => {
      upstream = await startFakeKeyedUpstream()
    })
    afterAll(async () => {
      await Promise.all(proxies.map((proxy) => proxy.close()))
      await upstream.close()
    })

    describe('with four upstream keys: revoked, out of quota, overloaded, good', () => {
      let proxy: LoggedProxy
      beforeAll(async () => {
        proxy = await startProxy({ OXY_UPSTREAM_KEY: ALL_KEYS.join(',') })
      })

      it('should serve the client through the good key, with the same body on every attempt and no token upstream', async () => {
        const before = upstream.calls.length
        const completion = await sdk(proxy).chat.completions.create({
          model: 'gpt-4o-mini',
          messages: MESSAGES,
        })
        expect(completion.choices[0]?.message.content).toBe(CHAT_TEXT)
        const calls = upstream.calls.slice(before)
        expect(calls.map((call) => call.key)).toEqual(ALL_KEYS)
        expect(new Set(calls.map((call) => call.bodySha)).size).toBe(1)
        expect(calls[0]!.bodyLength).toBeGreaterThan(0)
        for (const call of calls) expect(call.rawHeaders.join('\n')).not.toContain(TOKEN_A)
        const [line] = (await linesAfter(proxy, 1)).slice(-1)
        expect(line).toMatchObject({
          status: 200,
          key: 'alice',
          model: 'gpt-4o-mini',
          prompt_tokens: USAGE.prompt_tokens,
          completion_tokens: USAGE.completion_tokens,
        })
        const everything = JSON.stringify(proxy.accessLines())
        for (const secret of [...ALL_KEYS, TOKEN_A, TOKEN_B]) expect(everything).not.toContain(secret)
      })

      it('should rest the revoked and the exhausted key instead of trying them on every request', async () => {
        for (let i = 0; i < 4; i++) {
          const completion = await sdk(proxy, TOKEN_B).chat.completions.create({
            model: 'gpt-4o-mini',
            messages: MESSAGES,
          })
          expect(completion.choices[0]?.message.content).toBe(CHAT_TEXT)
        }
        expect(upstream.hits(KEY_REVOKED)).toBe(1)
        expect(upstream.hits(KEY_NO_QUOTA)).toBe(1)
        expect(upstream.hits(KEY_GOOD)).toBe(5)
      })
    })

    it('should give the client the last upstream answer untouched when every key fails', async () => {
      const proxy = await startProxy({ OXY_UPSTREAM_KEY: `${KEY_REVOKED},${KEY_OVERLOADED}` })
      const error = await sdk(proxy)
        .chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES })
        .catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(APIError)
      expect((error as APIError).status).toBe(503)
      expect((error as APIError).code).toBe('overloaded')
      expect((error as APIError).headers?.get('x-request-id')).toBe('req_overloaded')
      expect(JSON.stringify(error)).not.toContain(KEY_OVERLOADED)
    })

    it('should pass a region refusal on at once, since no other key can fix it', async () => {
      const proxy = await startProxy({ OXY_UPSTREAM_KEY: `${KEY_WRONG_REGION},${KEY_GOOD}` })
      const goodBefore = upstream.hits(KEY_GOOD)
      const error = await sdk(proxy)
        .chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES })
        .catch((caught: unknown) => caught)
      expect((error as APIError).status).toBe(403)
      expect((error as APIError).code).toBe('unsupported_country_region_territory')
      expect(upstream.hits(KEY_GOOD)).toBe(goodBefore)
    })

    it('should not retry once the response has started, even when it then fails', async () => {
      const proxy = await startProxy({ OXY_UPSTREAM_KEY: `${KEY_DIES_AFTER_HEAD},${KEY_GOOD}` })
      const goodBefore = upstream.hits(KEY_GOOD)
      let text = ''
      // How the cut shows depends on the platform (a reset, an error status from a buffering
      // one, or a clean end on workerd); what matters is that no other key was tried.
      await (async () => {
        const stream = await sdk(proxy).chat.completions.create({
          model: 'gpt-4o-mini',
          messages: MESSAGES,
          stream: true,
        })
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
      })().catch(() => {})
      expect(text).not.toBe(CHAT_TEXT)
      expect(upstream.hits(KEY_DIES_AFTER_HEAD)).toBe(1)
      expect(upstream.hits(KEY_GOOD)).toBe(goodBefore)
    })

    // Not asked of a target that hands over whole answers: there a stream arrives in one piece.
    if (!options.buffersAnswers)
      it('should relay a stream through a key pool as it comes, holding back only answers it may retry', async () => {
        const proxy = await startProxy({ OXY_UPSTREAM_KEY: `${KEY_GOOD},${KEY_OVERLOADED}` })
        const overloadedBefore = upstream.hits(KEY_OVERLOADED)
        // Keys take turns: the first request starts with the good key, the second is refused by
        // the overloaded one (judged, not relayed) and streams from the good key.
        for (let request = 0; request < 2; request++) {
          const stream = await sdk(proxy).chat.completions.create({
            model: MODEL_HELD,
            messages: MESSAGES,
            stream: true,
          })
          const chunks = stream[Symbol.asyncIterator]()
          const first = await chunks.next()
          // The first event reached the client while the upstream still held the rest of the stream.
          expect(upstream.holding()).toBe(true)
          upstream.releaseHeld()
          let text = first.done ? '' : (first.value.choices[0]?.delta.content ?? '')
          for (let next = await chunks.next(); !next.done; next = await chunks.next())
            text += next.value.choices[0]?.delta.content ?? ''
          expect(text).toBe(CHAT_TEXT)
        }
        expect(upstream.hits(KEY_OVERLOADED)).toBe(overloadedBefore + 1)
      })

    it('should send a body larger than the replay cap once, streamed, without failover', async () => {
      const proxy = await startProxy({ OXY_UPSTREAM_KEY: `${KEY_OVERLOADED},${KEY_GOOD}` })
      const before = upstream.calls.length
      const big = 'x'.repeat(1_500_000)
      const error = await sdk(proxy)
        .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: big }] })
        .catch((caught: unknown) => caught)
      expect((error as APIError).status).toBe(503)
      const calls = upstream.calls.slice(before)
      expect(calls).toHaveLength(1)
      expect(calls[0]!.bodyLength).toBeGreaterThan(1_500_000)
    })

    it('should fall back to the next target when the first cannot be reached', async () => {
      const proxy = await startProxy({
        OXY_TARGET: `${REFUSED_TARGET},${upstream.url}`,
        OXY_UPSTREAM_KEY: KEY_GOOD,
      })
      for (let i = 0; i < 3; i++) {
        const completion = await sdk(proxy).chat.completions.create({
          model: 'gpt-4o-mini',
          messages: MESSAGES,
        })
        expect(completion.choices[0]?.message.content).toBe(CHAT_TEXT)
      }
    })

    it('should fall back with the whole body when the first target fails while the body is still arriving', async () => {
      const proxy = await startProxy({
        OXY_TARGET: `${REFUSED_TARGET},${upstream.url}`,
        OXY_UPSTREAM_KEY: KEY_GOOD,
      })
      const before = upstream.calls.length
      const body = Buffer.from(
        JSON.stringify({ model: 'gpt-4o-mini', messages: MESSAGES, user: 'x'.repeat(3000) }),
      )
      // Declared length, sent in three parts 100 ms apart: the first target is refused long before the end.
      const { status } = await postInParts(
        `${proxy.url}/v1/chat/completions`,
        { authorization: `Bearer ${TOKEN_A}`, 'content-type': 'application/json' },
        [body.subarray(0, 1000), body.subarray(1000, 2000), body.subarray(2000)],
        100,
      )
      expect(status).toBe(200)
      const calls = upstream.calls.slice(before)
      expect(calls).toHaveLength(1)
      expect(calls[0]!.bodyLength).toBe(body.length)
      expect(calls[0]!.bodySha).toBe(sha256(body))
    })

    it('should refuse a model outside the key rules with an OpenAI-shaped 403 before the upstream', async () => {
      const proxy = await startProxy({
        OXY_UPSTREAM_KEY: KEY_GOOD,
        OXY_KEY_RULES: JSON.stringify({ alice: { models: ['gpt-4o-mini'] } }),
      })
      const before = upstream.calls.length
      const error = await sdk(proxy)
        .chat.completions.create({ model: 'gpt-4o', messages: MESSAGES })
        .catch((caught: unknown) => caught)
      expect((error as APIError).status).toBe(403)
      expect((error as APIError).code).toBe('model_not_allowed')
      expect(upstream.calls.length).toBe(before)
      const allowed = await sdk(proxy).chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES })
      expect(allowed.choices[0]?.message.content).toBe(CHAT_TEXT)
      expect(
        (await sdk(proxy, TOKEN_B).chat.completions.create({ model: 'gpt-4o', messages: MESSAGES })).model,
      ).toBe('gpt-4o')
    })

    it('should refuse a body whose model a rule cannot read for sure, before the upstream', async () => {
      const proxy = await startProxy({
        OXY_UPSTREAM_KEY: KEY_GOOD,
        OXY_KEY_RULES: JSON.stringify({ alice: { models: ['gpt-4o-mini'] } }),
      })
      const before = upstream.calls.length
      const messages = JSON.stringify(MESSAGES)
      // Each would reach the upstream as o1-pro: JSON.parse, Python's json and Go keep the last
      // `model`, read `mod\u0065l` as `model`, and parse a JSON body whatever its Content-Type.
      const ambiguous = [400, 'invalid_request']
      const refused = [403, 'model_not_allowed']
      const attempts: [string, string, (string | number)[]][] = [
        ['application/json', `{"model":"gpt-4o-mini","messages":${messages},"model":"o1-pro"}`, ambiguous],
        [
          'application/json',
          `{"model":"gpt-4o-mini","messages":${messages},"mod\\u0065l":"o1-pro"}`,
          ambiguous,
        ],
        ['application/json', `{"mod\\u0065l":"o1-pro","messages":${messages}}`, refused],
        ['text/plain', `{"model":"o1-pro","messages":${messages}}`, refused],
      ]
      for (const [type, body, expected] of attempts) {
        const response = await fetch(`${proxy.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN_A}`, 'content-type': type },
          body,
        })
        const { error } = (await response.json()) as { error: { code: string } }
        expect([response.status, error.code], body).toEqual(expected)
      }
      expect(upstream.calls.length).toBe(before)
    })

    it('should log tokens for JSON, chat SSE, Responses and Anthropic streams, per key and model', async () => {
      const proxy = await startProxy({
        OXY_UPSTREAM_KEY: KEY_GOOD,
        OXY_ROUTES: `/anthropic=${upstream.url}`,
        OXY_UPSTREAM_KEY_ANTHROPIC: KEY_GOOD,
      })
      await sdk(proxy).chat.completions.create({ model: 'gpt-4o-mini', messages: MESSAGES })
      const chat = await sdk(proxy, TOKEN_B).chat.completions.create({
        model: 'gpt-4o',
        messages: MESSAGES,
        stream: true,
        stream_options: { include_usage: true },
      })
      let text = ''
      for await (const chunk of chat) text += chunk.choices[0]?.delta.content ?? ''
      expect(text).toBe(CHAT_TEXT)
      const responses = await sdk(proxy).responses.create({
        model: 'gpt-4.1',
        input: 'Say hello',
        stream: true,
      })
      for await (const _ of responses);
      const anthropic = await fetch(`${proxy.url}/anthropic/v1/messages`, {
        method: 'POST',
        headers: {
          'x-api-key': TOKEN_B,
          'content-type': 'application/json',
          'anthropic-version': '2023-06-01',
        },
        body: JSON.stringify({
          model: 'claude-sonnet-4-5',
          max_tokens: 50,
          stream: true,
          messages: MESSAGES,
        }),
      })
      expect(await anthropic.text()).toContain(CHAT_TEXT)
      const lines = (await linesAfter(proxy, 4)).map(({ key, model, prompt_tokens, completion_tokens }) => ({
        key,
        model,
        prompt_tokens,
        completion_tokens,
      }))
      expect(lines).toEqual([
        { key: 'alice', model: 'gpt-4o-mini', prompt_tokens: 11, completion_tokens: 7 },
        { key: 'bob', model: 'gpt-4o', prompt_tokens: 11, completion_tokens: 7 },
        { key: 'alice', model: 'gpt-4.1', prompt_tokens: 21, completion_tokens: 5 },
        { key: 'bob', model: 'claude-sonnet-4-5', prompt_tokens: 34, completion_tokens: 9 },
      ])
    })
  })
}
