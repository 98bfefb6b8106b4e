import { describe, expect, it } from 'vitest'
import { judgeStream, LUMP_WINDOW_MS } from './judge-stream'

describe('judgeStream', () => {
  it('should call pieces spread over time a stream', () => {
    expect(judgeStream({ arrivals: [300, 380, 460, 540] })).toEqual({
      streams: true,
      firstByteMs: 300,
      spreadMs: 240,
      pieces: 4,
    })
  })

  it('should call one piece, or pieces within the lump window, buffered', () => {
    expect(judgeStream({ arrivals: [900] }).streams).toBe(false)
    expect(judgeStream({ arrivals: [900, 901, 903, 900 + LUMP_WINDOW_MS - 1] }).streams).toBe(false)
    expect(judgeStream({ arrivals: [] }).streams).toBe(false)
  })
})
