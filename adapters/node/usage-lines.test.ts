import { describe, expect, it } from 'vitest'
import { formatAccessLog } from '../../core'
import { readUsageLine } from './usage-lines'

const line = formatAccessLog(
  {
    method: 'POST',
    path: '/v1/chat/completions',
    status: 200,
    upstreamMs: 100,
    totalMs: 900,
    bytesIn: 120,
    bytesOut: 4000,
    key: 'alice',
    model: 'gpt-4o-mini',
    promptTokens: 12,
    completionTokens: 34,
  },
  new Date('2026-12-01T08:00:00Z'),
)
const expected = {
  time: Date.parse('2026-12-01T08:00:00Z'),
  key: 'alice',
  model: 'gpt-4o-mini',
  promptTokens: 12,
  completionTokens: 34,
}
const csv = (text: string) => `"${text.replaceAll('"', '""')}"`

describe('readUsageLine', () => {
  it.each([
    ['a plain line (npm start, docker logs)', line],
    ['docker logs -t', `2026-12-01T08:00:00.123456789Z ${line}`],
    ['docker compose logs', `oxy-1  | ${line}`],
    ['aws logs tail', `2026-12-01T08:00:00.000000+00:00 2026/12/01/[$LATEST]0123abcd ${line}`],
    ['Lambda text logs', `2026-12-01T08:00:00.000Z\t0b1c2d3e-aaaa-bbbb-cccc-0123456789ab\tINFO\t${line}`],
    ['filter-log-events JSON', `            "message": ${JSON.stringify(`${line}\n`)},`],
    ['CloudWatch JSON log format', JSON.stringify({ timestamp: 1, message: line, requestId: 'x' })],
    ['Tencent CLS download', `2026-12-01 08:00:00.123\t${line}`],
    ['Aliyun SLS CSV export', `1764576000,${csv(line)},fc-instance-1`],
    ['wrangler tail --format pretty', `  (log) ${line}`],
    [
      'wrangler tail --format json (one line)',
      JSON.stringify({ outcome: 'ok', logs: [{ message: [line], level: 'log', timestamp: 1 }] }),
    ],
    ['wrangler tail --format json (pretty-printed message line)', `        ${JSON.stringify(line)}`],
    [
      'Workers Logs JSON export (parsed fields)',
      JSON.stringify({ $workers: { outcome: 'ok' }, source: JSON.parse(line) }),
    ],
  ])('should read the entry from %s', (_, text) => {
    expect(readUsageLine(text)).toEqual(expected)
  })

  it('should skip what is not an access-log line', () => {
    for (const text of [
      '',
      'START RequestId: 0b1c Version: $LATEST',
      '{"time":"2026-12-01T08:00:00Z","level":"info","msg":"listening","url":"http://0.0.0.0:9000"}',
      '{"msg":"request"', // cut off
      'request failed: {broken',
      JSON.stringify({ msg: 'request', method: 'POST', time: 'yesterday' }),
    ]) {
      expect(readUsageLine(text)).toBeUndefined()
    }
  })

  it('should count lines without key, model or tokens as requests with zero tokens', () => {
    const bare =
      '{"time":"2026-12-01T08:00:00Z","level":"info","msg":"request","method":"GET","path":"/v1/models","status":200}'
    expect(readUsageLine(bare)).toEqual({
      time: Date.parse('2026-12-01T08:00:00Z'),
      key: undefined,
      model: undefined,
      promptTokens: 0,
      completionTokens: 0,
    })
  })
})
