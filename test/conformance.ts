import http from 'node:http'
import { performance } from 'node:perf_hooks'
import zlib from 'node:zlib'
import OpenAI, { toFile } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FakeOpenAI } from './fake-openai'
import {
  DEFAULT_CHUNK_DELAY_MS,
  MODELS,
  SPEECH_BYTES,
  SSE_TOKENS,
  sha256,
  startFakeOpenAI,
} from './fake-openai'
import { PLATFORM_HEADERS } from './platform-headers'

/** A running proxy under test, however it was started (in process, from a zip, on workerd). */
export interface ProxyUnderTest {
  /** Base URL of the proxy, no trailing slash (may include a stage prefix). */
  readonly url: string
  close(): Promise<void>
}

/** Starts a proxy configured by these OXY_* variables. */
export type StartProxy = (env: Record<string, string>) => Promise<ProxyUnderTest>

export interface ConformanceOptions {
  /** True when the engine hands clients a decoded body (fetch): no Content-Encoding may remain. */
  readonly decodesBody?: boolean
  /** Injected headers the platform adds, which must never reach the upstream. */
  readonly platformHeaders?: Record<string, string>
  /**
   * The encoding the platform's edge applies to compressible responses (JSON) for a client that
   * accepts it, after the engine has handed over a decoded body: Cloudflare's edge, and miniflare
   * in front of workerd, gzip them again. https://developers.cloudflare.com/speed/optimization/content/compression/
   */
  readonly edgeCompression?: 'gzip'
  /**
   * Set, to the reason, when the runtime's HTTP server ends a response whose body stream errored
   * with a clean chunked terminator, so no engine can make the cut visible to the client (workerd:
   * https://github.com/cloudflare/workerd/issues/6818). The case then checks that the client gets
   * exactly what the upstream sent before it died, with nothing appended; once the runtime is
   * fixed it fails, and the option should go.
   */
  readonly endsErroredBodiesCleanly?: string
}

/** A closed loopback port: connecting to it is refused at once. */
export const REFUSED_TARGET = 'http://127.0.0.1:9'

/**
 * The behaviour a user relies on, run against any engine or artifact. Every case uses the
 * official openai SDK where a user would, and the fake upstream's record of what reached it.
 */
export function describeConformance(name: string, start: StartProxy, options: ConformanceOptions = {}): void {
  describe(`conformance: ${name}`, () => {
    let upstream: FakeOpenAI
    let proxy: ProxyUnderTest
    let client: OpenAI

    beforeAll(async () => {
      upstream = await startFakeOpenAI()
      proxy = await start({ OXY_TARGET: upstream.url })
      client = new OpenAI({
        baseURL: `${proxy.url}/v1`,
        apiKey: 'sk-test-key',
        maxRetries: 0,
        timeout: 15_000,
      })
    })
    afterAll(async () => {
      await proxy?.close()
      await upstream?.close()
    })

    it('should list models through the openai SDK', async () => {
      const page = await client.models.list()
      expect(page.data.map((model) => model.id)).toEqual(MODELS.data.map((model) => model.id))
      expect(upstream.last('/v1/models').headers.authorization).toBe('Bearer sk-test-key')
    })

    it('should complete a chat and send the body byte-exact', async () => {
      const completion = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Grüße, 世界 🌏' }],
      })
      expect(completion.choices[0]?.message.content).toBe(SSE_TOKENS.join(''))
      const sent = JSON.parse(upstream.last('/v1/chat/completions').body.toString())
      expect(sent.messages[0].content).toBe('Grüße, 世界 🌏')
    })

    it('should deliver streamed chunks as they arrive, spread in time', async () => {
      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'stream' }],
        stream: true,
      })
      const arrivals: number[] = []
      let text = ''
      for await (const chunk of stream) {
        arrivals.push(performance.now())
        text += chunk.choices[0]?.delta.content ?? ''
      }
      expect(text).toBe(SSE_TOKENS.join(''))
      expect(arrivals).toHaveLength(SSE_TOKENS.length)
      // A buffering proxy delivers everything in one lump at the end.
      const span = arrivals.at(-1)! - arrivals[0]!
      expect(span).toBeGreaterThan((SSE_TOKENS.length - 1) * DEFAULT_CHUNK_DELAY_MS * 0.6)
    })

    it('should mark event streams unbuffered for proxies in front of it', async () => {
      const response = await fetch(`${proxy.url}/fake/stream?chunks=1&delay=1`)
      await response.text()
      expect(response.headers.get('x-accel-buffering')).toBe('no')
      expect(response.headers.get('cache-control')).toBe('no-cache')
    })

    it('should stream a multipart upload to the upstream intact', async () => {
      const audio = Buffer.alloc(3 * 1024 * 1024)
      for (let i = 0; i < audio.length; i++) audio[i] = (i * 7) & 0xff
      const result = (await client.audio.transcriptions.create({
        file: await toFile(audio, 'speech.mp3', { type: 'audio/mpeg' }),
        model: 'whisper-1',
      })) as unknown as { file_bytes: number; file_sha256: string; model: string }
      expect(result.file_bytes).toBe(audio.length)
      expect(result.file_sha256).toBe(sha256(audio))
      expect(result.model).toBe('whisper-1')
    })

    it('should return binary speech byte-exact', async () => {
      const response = await client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'hello' })
      const bytes = Buffer.from(await response.arrayBuffer())
      expect(bytes.length).toBe(SPEECH_BYTES.length)
      expect(sha256(bytes)).toBe(sha256(SPEECH_BYTES))
      expect(response.headers.get('content-type')).toBe('audio/mpeg')
    })

    it('should pass gzip bodies so that the client can read them', async () => {
      const raw = await rawGet(`${proxy.url}/v1/models`, { 'Accept-Encoding': 'gzip' })
      const encoding = raw.headers['content-encoding']
      if (options.decodesBody) expect(encoding).toBe(options.edgeCompression)
      else expect(encoding).toBe('gzip')
      const body = encoding === 'gzip' ? zlib.gunzipSync(raw.body) : raw.body
      expect(JSON.parse(body.toString())).toEqual(MODELS)
    })

    it('should pass upstream errors through untouched for the SDK to raise', async () => {
      const unauthorized = await client.chat.completions
        .create({ model: 'fake-401', messages: [{ role: 'user', content: 'x' }] })
        .catch((error: unknown) => error)
      expect(unauthorized).toBeInstanceOf(OpenAI.AuthenticationError)
      expect((unauthorized as InstanceType<typeof OpenAI.APIError>).code).toBe('invalid_api_key')

      const limited = await client.chat.completions
        .create({ model: 'fake-429', messages: [{ role: 'user', content: 'x' }] })
        .catch((error: unknown) => error)
      expect(limited).toBeInstanceOf(OpenAI.RateLimitError)
      expect(
        (limited as InstanceType<typeof OpenAI.APIError>).headers?.get('x-ratelimit-remaining-requests'),
      ).toBe('0')
    })

    it('should scrub client, CDN and platform headers and keep the rest byte-exact', async () => {
      const platform = { ...CLIENT_IP_HEADERS, ...(options.platformHeaders ?? {}) }
      const response = await fetch(`${proxy.url}/fake/echo`, {
        method: 'POST',
        headers: {
          ...platform,
          Authorization: 'Bearer sk-test-key',
          'OpenAI-Organization': 'org-123',
          'X-Stainless-Lang': 'js',
          'Content-Type': 'application/json',
        },
        body: '{"exact": true }',
      })
      expect(response.status).toBe(200)
      const seen = upstream.last('/fake/echo')
      const names = lowerNames(seen.rawHeaders)
      for (const name of Object.keys(platform)) expect(names, name).not.toContain(name.toLowerCase())
      expect(seen.headers.host).toBe(new URL(upstream.url).host)
      expect(seen.headers.authorization).toBe('Bearer sk-test-key')
      expect(seen.headers['openai-organization']).toBe('org-123')
      expect(seen.headers['x-stainless-lang']).toBe('js')
      expect(seen.body.toString()).toBe('{"exact": true }')
    })

    it('should answer a CORS preflight locally, echoing the requested headers', async () => {
      const before = upstream.received.length
      const response = await fetch(`${proxy.url}/v1/chat/completions`, {
        method: 'OPTIONS',
        headers: {
          Origin: 'https://chat.example.com',
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'authorization,content-type,x-stainless-os,x-stainless-arch',
        },
      })
      expect(response.status).toBe(204)
      expect(response.headers.get('access-control-allow-origin')).toBe('*')
      expect(response.headers.get('access-control-allow-headers')).toBe(
        'authorization,content-type,x-stainless-os,x-stainless-arch',
      )
      expect(response.headers.get('access-control-allow-methods')).toContain('POST')
      expect(upstream.received.length).toBe(before)
    })

    it('should send exactly one Access-Control-Allow-Origin although the upstream sends its own', async () => {
      const raw = await rawGet(`${proxy.url}/v1/models`, { Origin: 'https://chat.example.com' })
      const values = headerValues(raw.rawHeaders, 'access-control-allow-origin')
      expect(values).toEqual(['*'])
    })

    it('should answer the health route without calling the upstream', async () => {
      const before = upstream.received.length
      const response = await fetch(`${proxy.url}/_oxy/health`)
      expect(response.status).toBe(200)
      expect(await response.json()).toMatchObject({ status: 'ok', version: expect.any(String) })
      expect(upstream.received.length).toBe(before)
    })

    it('should end a stream abruptly, not cleanly, when the upstream dies mid-stream', async () => {
      const response = await fetch(`${proxy.url}/fake/stream?chunks=10&delay=20&reset=2`)
      expect(response.status).toBe(200)
      if (options.endsErroredBodiesCleanly) {
        // So the proxy ends the stream with an in-band error event after the upstream's, never [DONE].
        const events = (await response.text()).split('\n\n').filter((event) => event !== '')
        expect(events, options.endsErroredBodiesCleanly).toHaveLength(3)
        for (const event of events.slice(0, 2)) expect(event).toMatch(/^data: \{"id":"chatcmpl-fake".*\}$/)
        expect(events[2]).toMatch(/^data: \{"error":\{.*"type":"oxy_error","code":"upstream_reset"\}\}$/)
      } else {
        await expect(response.text()).rejects.toThrow()
      }
      // ...and keep serving.
      expect((await client.models.list()).data).toHaveLength(MODELS.data.length)
    })

    it('should close the upstream request when the client goes away mid-stream', async () => {
      const controller = new AbortController()
      const response = await fetch(`${proxy.url}/fake/stream?chunks=200&delay=25`, {
        signal: controller.signal,
      })
      const reader = response.body!.getReader()
      await reader.read()
      controller.abort()
      const outcome = await withTimeout(
        upstream.last('/fake/stream').done,
        5_000,
        'upstream never saw the abort',
      )
      expect(outcome.aborted).toBe(true)
    })

    it('should answer an unreachable upstream with an OpenAI-shaped 502', async () => {
      const dead = await start({ OXY_TARGET: REFUSED_TARGET })
      try {
        const deadClient = new OpenAI({ baseURL: `${dead.url}/v1`, apiKey: 'sk-test-key', maxRetries: 0 })
        const error = await deadClient.models.list().catch((caught: unknown) => caught)
        expect(error).toBeInstanceOf(OpenAI.APIError)
        expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502)
        expect((error as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
          type: 'oxy_error',
          code: 'upstream_unreachable',
        })
      } finally {
        await dead.close()
      }
    })
  })
}

/** Headers real clouds and CDNs add that reveal the client. */
const CLIENT_IP_HEADERS: Record<string, string> = {
  'X-Forwarded-For': '203.0.113.7, 198.51.100.2',
  'X-Forwarded-Proto': 'https',
  'X-Forwarded-Host': 'proxy.example.com',
  'X-Real-IP': '203.0.113.7',
  Forwarded: 'for=203.0.113.7;proto=https',
  'True-Client-IP': '203.0.113.7',
  ...PLATFORM_HEADERS.cloudflare,
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

export interface RawResponse {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly rawHeaders: readonly string[]
  readonly body: Buffer
}

/** A GET with node:http, which, unlike fetch, shows the bytes and headers exactly as sent. */
export function rawGet(url: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body: Buffer.concat(chunks),
        }),
      )
      res.on('error', reject)
    })
    req.on('error', reject)
  })
}

export function lowerNames(rawHeaders: readonly string[]): string[] {
  return rawHeaders.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase())
}

export function headerValues(rawHeaders: readonly string[], name: string): string[] {
  const values: string[] = []
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() === name) values.push(rawHeaders[i + 1]!)
  }
  return values
}
