import type { RunnerTestCase } from 'vitest'

declare module 'vitest' {
  interface TaskMeta {
    /** Cases one test tried and passed, for the table `npm run test:reliability` prints. */
    reliability?: FamilyResult
    /** Numbers a test measured (bytes, RSS, requests per second), printed under the table. */
    measured?: Record<string, number | string>
  }
}

export interface FamilyResult {
  readonly family: string
  readonly target: string
  tried: number
  passed: number
}

/**
 * Counts the cases of one test and fails it at the end with every failure, not just the first:
 * the table then says how many of a family passed, and one broken case does not hide the rest.
 * Counts go into the test's meta as they happen, so a test that dies half-way still reports.
 */
export interface Tally {
  /** Runs one case; a throw counts as a failure, with its label. */
  check(label: string, run: () => Promise<void> | void): Promise<void>
  /** Adds cases counted elsewhere (a fast-check run). */
  add(tried: number, passed: number, failure?: string): void
  /** Throws when any case failed. */
  finish(): void
}

export function createTally(task: RunnerTestCase, family: string, target: string): Tally {
  const result: FamilyResult = { family, target, tried: 0, passed: 0 }
  task.meta.reliability = result
  const failures: string[] = []
  return {
    async check(label, run) {
      result.tried++
      try {
        await run()
        result.passed++
      } catch (error) {
        failures.push(`${label}: ${error instanceof Error ? error.message : String(error)}`)
      }
    },
    add(tried, passed, failure) {
      result.tried += tried
      result.passed += passed
      if (failure) failures.push(failure)
    },
    finish() {
      if (failures.length > 0) {
        throw new Error(
          `${family} on ${target}: ${failures.length} of ${result.tried} failed\n${failures.join('\n')}`,
        )
      }
    },
  }
}
