/**
 * The parameter vercel.json's rewrite (`/:oxy_path*` -> `/api/oxy`) captures. Vercel keeps the
 * client's path in the function's request URL but appends the parameters a rewrite matched to its
 * query (`/v1/models?limit=2` arrives as `/v1/models?limit=2&oxy_path=v1%2Fmodels`).
 * https://vercel.com/docs/rewrites
 */
export const REWRITE_PARAM = 'oxy_path'

/**
 * The URL the client asked for: the last `oxy_path` pair, the one the rewrite appended, taken out
 * of the query and every other byte left as it was, so the upstream sees exactly the client's path
 * and query. A URL without the pair (a request to /api/oxy itself) is returned unchanged.
 */
export function restoreClientUrl(url: string): string {
  const queryAt = url.indexOf('?')
  if (queryAt === -1) return url
  const pairs = url.slice(queryAt + 1).split('&')
  const index = pairs.findLastIndex((pair) => pair.split('=', 1)[0] === REWRITE_PARAM)
  if (index === -1) return url
  pairs.splice(index, 1)
  const query = pairs.join('&')
  return query === '' ? url.slice(0, queryAt) : `${url.slice(0, queryAt)}?${query}`
}
