import { expect } from 'vitest'
import { lowerNames, withTimeout } from '../conformance'
import type { FakeOpenAI, ReceivedRequest } from '../fake-openai'
import type { Canary } from './canary'
import { AUTH, CREDENTIAL_HEADERS } from './secrets'

/** Headers that, forwarded, would let a client steer or impersonate on the upstream side. */
const NEVER_FORWARDED = [
  'x-forwarded-host',
  'x-forwarded-for',
  'forwarded',
  ...Object.keys(CREDENTIAL_HEADERS).map((name) => name.toLowerCase()),
]

/** What no upstream path may hold: a second leading slash, a backslash, encoded separators or controls. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control bytes are what it looks for.
const UNSAFE_CHARACTERS = /^\/\/|\\|%2f|%5c|%0[0-9a-f]|%1[0-9a-f]|[\s\x00-\x1f\x7f]/i
/** A `.` or `..` segment, also percent-encoded, which an upstream would resolve above the base path. */
const DOT_SEGMENT = /^(\.|%2e){1,2}$/i

function isUnsafePath(path: string): boolean {
  return (
    !path.startsWith('/') || UNSAFE_CHARACTERS.test(path) || path.split('/').some((s) => DOT_SEGMENT.test(s))
  )
}

/**
 * The security property of every hostile exchange, on every target: nothing reached the canary,
 * whatever reached the upstream went to its own host on a path that stays under the base path,
 * scrubbed, and every upstream request the exchange started has ended (none left hanging).
 */
export async function expectContained(
  upstream: FakeOpenAI,
  canary: Canary,
  since: number,
  label: string,
): Promise<ReceivedRequest[]> {
  expect(canary.hits, `${label}: the canary was reached`).toEqual([])
  const reached = upstream.received.slice(since)
  const host = new URL(upstream.url).host
  for (const request of reached) {
    const path = request.url.split('?')[0] ?? ''
    expect(isUnsafePath(path), `${label}: upstream path ${JSON.stringify(request.url)}`).toBe(false)
    expect(request.headers.host, `${label}: upstream Host`).toBe(host)
    const names = lowerNames(request.rawHeaders)
    for (const name of NEVER_FORWARDED) expect(names, `${label}: forwarded ${name}`).not.toContain(name)
  }
  await withTimeout(
    Promise.all(reached.map((request) => request.done)),
    5_000,
    `${label}: an upstream request was left hanging`,
  )
  return reached
}

/** An ordinary request after a hostile one: the proxy must still serve. */
export async function expectStillServing(url: string, transcript: string[], label: string): Promise<void> {
  const response = await fetch(`${url}/v1/models`, { headers: AUTH, signal: AbortSignal.timeout(5_000) })
  const body = await response.text()
  transcript.push(JSON.stringify([...response.headers]) + body)
  expect(response.status, `${label}: the next ordinary request`).toBe(200)
}
