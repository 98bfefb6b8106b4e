import { describe, expect, it } from 'vitest'
import { readChunkSize } from './chunk-size'

/** The line as it sits in a socket read, with bytes around it that are not part of it. */
function read(line: string): number | undefined {
  const data = Buffer.from(`xx${line}\r\nrest`, 'latin1')
  return readChunkSize(data, 2, 2 + line.length)
}

describe('readChunkSize', () => {
  it('should read a bare hex size from the bytes, in either case, up to 13 digits', () => {
    expect(read('0')).toBe(0)
    expect(read('7')).toBe(7)
    expect(read('2a')).toBe(42)
    expect(read('2A')).toBe(42)
    expect(read('fF')).toBe(255)
    expect(read('09')).toBe(9)
    expect(read('f'.repeat(13))).toBe(2 ** 52 - 1)
  })

  it('should read sizes with extensions or trailing whitespace as the grammar allows', () => {
    expect(read('a;name=value')).toBe(10)
    expect(read('1a \t;x')).toBe(26)
    expect(read('3 ')).toBe(3)
  })

  it('should refuse what is not a chunk size', () => {
    for (const line of ['', 'zz', '-1', '1g', ' 1', ';x', '0x10', 'f'.repeat(14), '2;ext\nbad'])
      expect(read(line), line).toBeUndefined()
  })
})
