import type { LocalReply } from '../policy'

/** What a browser gets when the page's file was not copied beside the bundle: the proxy still runs. */
export const PAGE_FILE_MISSING =
  '<!doctype html><title>oxy is running</title><p>oxy is running; its status page file (oxy-page.cjs or oxy-page.js) is missing beside the bundle.</p>'

/**
 * The reply with its body: a status page is rendered here, by a module that the build turns
 * into `require('./oxy-page.cjs')` (.js on Lambda: build/targets.ts), so its ~13 KB are parsed the first time a
 * browser asks for `/`, not on every start. Both engines send every local reply through this.
 */
export async function withPageBody(reply: LocalReply): Promise<LocalReply> {
  if (!reply.page) return reply
  const { page, ...rest } = reply
  try {
    const { renderStatusPage } = await import('../policy/render-status-page')
    return { ...rest, body: renderStatusPage(page) }
  } catch {
    return { ...rest, body: PAGE_FILE_MISSING }
  }
}
