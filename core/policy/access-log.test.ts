import { describe, expect, it } from 'vitest'
import { formatAccessLog } from './access-log'

const base = {
  method: 'POST',
  path: '/v1/chat/completions',
  status: 200,
  upstreamMs: 12.34,
  totalMs: 56.78,
  bytesIn: 10,
  bytesOut: 20,
}
const NOW = new Date('2026-12-01T12:00:00Z')

describe('formatAccessLog', () => {
  it('should add key name, model and token counts when known, in the names oxy usage reads', () => {
    const line = JSON.parse(
      formatAccessLog(
        { ...base, key: 'alice', model: 'gpt-4o-mini', promptTokens: 12, completionTokens: 34 },
        NOW,
      ),
    )
    expect(line).toMatchObject({
      time: '2026-12-01T12:00:00.000Z',
      msg: 'request',
      key: 'alice',
      model: 'gpt-4o-mini',
      prompt_tokens: 12,
      completion_tokens: 34,
    })
  })

  it('should leave the fields out when unknown', () => {
    const line = JSON.parse(formatAccessLog(base, NOW))
    expect(Object.keys(line)).not.toContain('key')
    expect(Object.keys(line)).not.toContain('prompt_tokens')
  })
})
