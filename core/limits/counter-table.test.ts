import { describe, expect, it } from 'vitest'
import type { Counter } from '../policy'
import { CounterTable } from './counter-table'

const rpm = (limit: number): Counter => ({ key: 'k:rpm', limit, windowMs: 60_000, cost: 1 })
const tpm = (limit: number): Counter => ({ key: 'k:tpm', limit, windowMs: 60_000, cost: 0 })

describe('CounterTable', () => {
  it('should admit while under the limit and count only admitted requests', () => {
    let now = 0
    const table = new CounterTable(() => now)
    const admitted = Array.from({ length: 5 }, () => table.take([rpm(3)]).admitted)
    expect(admitted).toEqual([true, true, true, false, false])
    now = 1000
    expect(table.take([rpm(3)]).counters).toEqual([{ value: 3, resetMs: 59_000 }])
  })

  it('should start the window at the first request and empty it when the window ends', () => {
    let now = 0
    const table = new CounterTable(() => now)
    table.take([rpm(1)])
    now = 59_999
    expect(table.take([rpm(1)]).admitted).toBe(false)
    now = 60_000
    expect(table.take([rpm(1)]).admitted).toBe(true)
  })

  it('should let the request that crosses a token limit through and refuse the next', () => {
    const table = new CounterTable(() => 0)
    expect(table.take([rpm(100), tpm(1000)]).admitted).toBe(true)
    table.add([{ key: 'k:tpm', amount: 1500, windowMs: 60_000 }])
    const next = table.take([rpm(100), tpm(1000)])
    expect(next.admitted).toBe(false)
    // A refused request is not counted against rpm.
    expect(next.counters).toEqual([
      { value: 1, resetMs: 60_000 },
      { value: 1500, resetMs: 60_000 },
    ])
  })

  it("should count at the caller's time when given one", () => {
    const table = new CounterTable(() => 0)
    table.take([rpm(1)], 0)
    expect(table.take([rpm(1)], 59_999).admitted).toBe(false)
    expect(table.take([rpm(1)], 60_000).admitted).toBe(true)
    table.add([{ key: 'k:tpm', amount: 5, windowMs: 60_000 }], 60_000)
    expect(table.take([tpm(5)], 119_999).admitted).toBe(false)
    expect(table.take([tpm(5)], 120_000).admitted).toBe(true)
  })

  it('should forget expired windows, so memory stays bounded', () => {
    let now = 0
    const table = new CounterTable(() => now)
    for (let i = 0; i < 1000; i++) table.take([{ key: `key-${i}`, limit: 5, windowMs: 60_000, cost: 1 }])
    expect(table.size).toBe(1000)
    now = 61_000
    table.take([rpm(1)])
    expect(table.size).toBe(1)
  })
})
