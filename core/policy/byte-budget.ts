/**
 * How many body bytes all of a process's Azure model lookups may hold at once. One lookup may
 * read up to 32 MB (a JSON body whose `model` comes after a large image); without a shared
 * bound, 20 such requests held 676 MB and three kill a 128 MB function. 48 MB over a ~45 MB
 * idle process stays under 128 MB with room for the bytes in flight.
 */
export const MAX_MODEL_LOOKUP_HELD_BYTES = 48 * 1024 * 1024

export interface ByteBudget {
  /** Reserves `bytes`; false (and nothing reserved) when that would go over the total. */
  take(bytes: number): boolean
  /** Returns bytes reserved earlier. */
  give(bytes: number): void
  /** Bytes reserved now. */
  held(): number
}

/** A counter of bytes held across requests; each engine keeps one per process. */
export function createByteBudget(total: number): ByteBudget {
  let held = 0
  return {
    take(bytes) {
      if (held + bytes > total) return false
      held += bytes
      return true
    },
    give(bytes) {
      held = Math.max(0, held - bytes)
    },
    held: () => held,
  }
}
