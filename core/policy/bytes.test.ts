import { describe, expect, it } from 'vitest'
import { concatBytes, latin1Bytes, latin1Text } from './bytes'

const EVERY_BYTE = Uint8Array.from({ length: 256 }, (_, i) => i)

describe('latin1Text', () => {
  it('should read each byte as the char of that code, and latin1Bytes give the bytes back', () => {
    const text = latin1Text(EVERY_BYTE)
    expect(text.length).toBe(256)
    expect([...text].map((char) => char.charCodeAt(0))).toEqual([...EVERY_BYTE])
    expect(latin1Bytes(text)).toEqual(EVERY_BYTE)
  })

  it('should read a chunk larger than one slice whole, in order', () => {
    const big = Uint8Array.from({ length: 100_003 }, (_, i) => (i * 7) % 256)
    const text = latin1Text(big)
    expect(text.length).toBe(big.length)
    expect(latin1Bytes(text)).toEqual(big)
  })
})

describe('concatBytes', () => {
  it('should join chunks in order into one array of their total size', () => {
    const all = concatBytes([Uint8Array.of(1, 2), Uint8Array.of(), Uint8Array.of(3)], 3)
    expect([...all]).toEqual([1, 2, 3])
  })

  it('should give a single chunk back as it is', () => {
    const only = Uint8Array.of(4, 5, 6)
    expect(concatBytes([only], 3)).toBe(only)
  })
})
