import { ConfigError } from './errors'

/**
 * Splits a comma-separated list of secrets (upstream keys, access tokens). An empty entry is
 * refused rather than skipped: `sk-a,,sk-b` is almost always a paste gone wrong, and a silently
 * shorter pool would fail later and in a way that is hard to trace. Errors name the variable and
 * the entry's position; a secret's value is never printed.
 */
export function splitSecretList(variable: string, value: string | undefined): string[] {
  if (value === undefined || value.trim() === '') return []
  const entries = value.split(',').map((entry) => entry.trim())
  entries.forEach((entry, index) => {
    if (entry === '') {
      throw new ConfigError(
        variable,
        value,
        `entry ${index + 1} of ${entries.length} is empty; remove the extra comma`,
        { secret: true },
      )
    }
  })
  return entries
}

/** The owner's upstream keys for one route, in the order given; requests are spread across them. */
export function parseUpstreamKeys(variable: string, value: string | undefined): readonly string[] {
  const keys = splitSecretList(variable, value)
  keys.forEach((key, index) => {
    if (/\s/.test(key)) {
      throw new ConfigError(
        variable,
        value ?? '',
        `key ${index + 1} has a space inside; an API key has none`,
        {
          secret: true,
        },
      )
    }
    const first = keys.indexOf(key)
    if (first !== index) {
      throw new ConfigError(variable, value ?? '', `keys ${first + 1} and ${index + 1} are the same key`, {
        secret: true,
      })
    }
  })
  return keys
}
