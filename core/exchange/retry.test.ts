import { describe, expect, it } from 'vitest'
import { keptOrStreamed, MAX_REPLAY_BODY_BYTES, mayRetry } from './retry'

describe('mayRetry', () => {
  it('should allow another attempt only before the response, with a replayable body and a candidate left', () => {
    expect(mayRetry({ responseStarted: false, body: 'none', candidatesLeft: 1 })).toBe(true)
    expect(mayRetry({ responseStarted: false, body: 'kept', candidatesLeft: 1 })).toBe(true)
  })

  it('should refuse once anything reached the client', () => {
    expect(mayRetry({ responseStarted: true, body: 'none', candidatesLeft: 1 })).toBe(false)
  })

  it('should refuse a body that was streamed: it cannot be sent byte-identical again', () => {
    expect(mayRetry({ responseStarted: false, body: 'streamed', candidatesLeft: 1 })).toBe(false)
  })

  it('should refuse with no candidate left, which is every exchange today (one upstream and key)', () => {
    expect(mayRetry({ responseStarted: false, body: 'none', candidatesLeft: 0 })).toBe(false)
  })
})

describe('keptOrStreamed', () => {
  it('should keep a body up to the replay cap and no larger', () => {
    expect(keptOrStreamed(0)).toBe('kept')
    expect(keptOrStreamed(MAX_REPLAY_BODY_BYTES)).toBe('kept')
    expect(keptOrStreamed(MAX_REPLAY_BODY_BYTES + 1)).toBe('streamed')
  })
})
