import { execFileSync } from 'node:child_process'

/**
 * What the two instruction counters share (count-instructions.ts: cold starts; count-per-request.ts:
 * one request in steady state): valgrind must be there, and every candidate is counted once per
 * round, in the same order each round, the median kept.
 */
export function requireValgrind(): void {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' })
  } catch {
    throw new Error('valgrind is not installed: apt-get install -y valgrind')
  }
}

export interface Counts {
  /** Every count of a candidate, in round order. */
  readonly all: (name: string) => readonly number[]
  /** The median of its counts (the upper of the middle two for an even number). */
  readonly median: (name: string) => number
}

/** Counts each candidate `runs` times, round by round; `count` gets a fresh index for its files. */
export async function countInRounds<T extends { readonly name: string }>(
  candidates: readonly T[],
  runs: number,
  count: (candidate: T, index: number, round: number) => Promise<number>,
): Promise<Counts> {
  const counts = new Map<string, number[]>()
  let started = 0
  for (let round = 0; round < runs; round++) {
    for (const candidate of candidates) {
      const value = await count(candidate, started++, round)
      counts.set(candidate.name, [...(counts.get(candidate.name) ?? []), value])
    }
  }
  const all = (name: string) => counts.get(name) ?? []
  return {
    all,
    median: (name) => [...all(name)].sort((a, b) => a - b)[Math.floor(all(name).length / 2)] ?? Number.NaN,
  }
}
