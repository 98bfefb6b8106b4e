/** The languages the status page speaks; English when the browser prefers neither. */
export type PageLanguage = 'en' | 'zh'

/** A language range and its weight: https://www.rfc-editor.org/rfc/rfc9110#name-accept-language */
const RANGE =
  /^\s*([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*(0(?:\.\d{0,3})?|1(?:\.0{0,3})?))?\s*$/

/**
 * The page language for an Accept-Language header: the supported language with the highest
 * weight, the earlier one on a tie, English by default. Every Chinese tag (zh, zh-CN, zh-TW,
 * zh-Hant-HK...) gets Chinese; `q=0` means "not this one"; malformed entries are ignored.
 */
export function choosePageLanguage(header: string | undefined): PageLanguage {
  let best: PageLanguage = 'en'
  let bestWeight = 0
  for (const entry of (header ?? '').split(',')) {
    const match = RANGE.exec(entry)
    if (!match) continue
    const language = supportedLanguage(match[1]!)
    const weight = match[2] === undefined ? 1 : Number(match[2])
    if (language !== undefined && weight > bestWeight) {
      best = language
      bestWeight = weight
    }
  }
  return best
}

function supportedLanguage(range: string): PageLanguage | undefined {
  const primary = range.split('-', 1)[0]!.toLowerCase()
  if (primary === 'zh') return 'zh'
  if (primary === 'en') return 'en'
  return undefined
}
