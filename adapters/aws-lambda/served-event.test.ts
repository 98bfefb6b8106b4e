import { describe, expect, it } from 'vitest'
import { ServedEventRequest, ServedEventResponse } from './served-event'

describe('ServedEventRequest', () => {
  it('should read as node:http parsed it: lower-cased headers, repeated ones joined, the whole body', async () => {
    const body = Buffer.from('{"model":"gpt-4o-mini"}')
    const req = new ServedEventRequest({
      method: 'POST',
      target: '/v1/chat/completions?a=1',
      rawHeaders: ['Content-Type', 'application/json', 'X-Tag', 'a', 'x-tag', 'b'],
      body,
    })
    expect(req.url).toBe('/v1/chat/completions?a=1')
    expect(req.headers).toEqual({ 'content-type': 'application/json', 'x-tag': 'a, b' })
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    expect(Buffer.concat(chunks).equals(body)).toBe(true)
  })

  it('should end at once without a body', async () => {
    const req = new ServedEventRequest({
      method: 'GET',
      target: '/v1/models',
      rawHeaders: [],
      body: Buffer.alloc(0),
    })
    const ended = new Promise((resolve) => req.once('end', resolve))
    req.resume()
    await ended
  })
})

describe('ServedEventResponse', () => {
  it('should resolve with status, raw headers and every chunk once ended', async () => {
    const res = new ServedEventResponse()
    res.writeHead(201, 'Created', ['Content-Type', 'text/plain'])
    res.write('one ')
    res.end(Buffer.from('two'))
    const written = await res.written
    expect(written.status).toBe(201)
    expect(written.rawHeaders).toEqual(['Content-Type', 'text/plain'])
    expect(written.body.toString()).toBe('one two')
    expect(res.headersSent).toBe(true)
  })

  it('should reject when the engine cuts the response, with or without an error', async () => {
    const cut = new ServedEventResponse()
    cut.writeHead(200, ['Content-Type', 'text/event-stream'])
    cut.write('data: 1\n\n')
    cut.destroy()
    await expect(cut.written).rejects.toThrow(/cut before its end/)

    const failed = new ServedEventResponse()
    failed.destroy(new Error('upstream reset'))
    await expect(failed.written).rejects.toThrow(/cut before its end/)
  })

  it('should refuse a second head, as node:http does', () => {
    const res = new ServedEventResponse()
    res.writeHead(200, [])
    expect(() => res.writeHead(502, [])).toThrow(/already written/)
  })
})
