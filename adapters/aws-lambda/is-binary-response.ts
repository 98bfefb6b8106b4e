/**
 * Content types whose bytes survive a UTF-8 round trip; everything else travels base64 (audio/mpeg
 * from /v1/audio/speech sent as UTF-8 would reach the client corrupted).
 */
const TEXT_CONTENT_TYPE =
  /^(text\/|application\/([\w.+-]*\+)?(json|xml|javascript|x-ndjson|x-www-form-urlencoded)$)/

type ResponseHeaders = Readonly<Record<string, unknown>>

/**
 * Whether a buffered Lambda response must be base64-encoded (isBase64Encoded): any encoded body
 * (gzip, br, ...) and any non-text type. A response without a content type is an empty body
 * (204, 304) or an error page, so it stays text.
 */
export function isBinaryResponse(headers: ResponseHeaders): boolean {
  const encoding = headerText(headers['content-encoding']).trim().toLowerCase()
  if (encoding !== '' && encoding !== 'identity') return true
  const type = headerText(headers['content-type']).split(';', 1)[0]!.trim().toLowerCase()
  if (type === '') return false
  return !TEXT_CONTENT_TYPE.test(type)
}

function headerText(value: unknown): string {
  if (Array.isArray(value)) return value.join(',')
  return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value)
}
