import type { LocalReply } from '../policy'
import { renderStatusPage } from '../policy/render-status-page'

/**
 * withPageBody for the one-file bundles (Workers, Deno, Netlify, Vercel), which have no file
 * beside them to load the page from: the build puts this module in place of with-page-body.ts
 * (build/targets.ts), so they carry the page as they did, without a lazy module's wrapper.
 */
export async function withPageBody(reply: LocalReply): Promise<LocalReply> {
  if (!reply.page) return reply
  const { page, ...rest } = reply
  return { ...rest, body: renderStatusPage(page) }
}
