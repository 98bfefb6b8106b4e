import { describe, expect, it } from 'vitest'
import { encodeCommand, parseReply, RespError } from './resp'

describe('encodeCommand', () => {
  it('should send arrays of bulk strings, counting bytes rather than characters', () => {
    expect(encodeCommand(['SET', 'clé', 5]).toString()).toBe('*3\r\n$3\r\nSET\r\n$4\r\nclé\r\n$1\r\n5\r\n')
  })
})

describe('parseReply', () => {
  const wire = Buffer.from(
    '+OK\r\n-NOSCRIPT No matching script\r\n:42\r\n$5\r\nhé\r\n\r\n$-1\r\n*3\r\n:1\r\n*2\r\n:7\r\n:-2\r\n$0\r\n\r\n',
  )
  const parseAll = (buffer: Buffer) => {
    const values = []
    let offset = 0
    for (let parsed = parseReply(buffer, offset); parsed; parsed = parseReply(buffer, offset)) {
      values.push(parsed.value)
      offset = parsed.end
    }
    return { values, offset }
  }

  it('should read every reply type', () => {
    const { values, offset } = parseAll(wire)
    expect(values).toEqual([
      'OK',
      new RespError('NOSCRIPT No matching script'),
      42,
      'hé\r\n',
      null,
      [1, [7, -2], ''],
    ])
    expect(values[1]).toBeInstanceOf(RespError)
    expect(offset).toBe(wire.length)
  })

  it('should wait for the rest of a reply cut anywhere by the network', () => {
    for (let cut = 0; cut < wire.length; cut++) {
      const { offset } = parseAll(wire.subarray(0, cut))
      const rest = parseAll(Buffer.concat([wire.subarray(offset, cut), wire.subarray(cut)]))
      expect(parseAll(wire.subarray(0, cut)).values.length + rest.values.length).toBe(6)
    }
  })

  it('should refuse a stream that is not RESP', () => {
    expect(() => parseReply(Buffer.from('HTTP/1.1 400 Bad Request\r\n'))).toThrow('unknown reply type')
    expect(() => parseReply(Buffer.from(':12x\r\n'))).toThrow('malformed number')
  })
})
