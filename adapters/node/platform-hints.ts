/** What the doctor adds to a failed check when the URL is a platform's default domain. */
export interface PlatformHint {
  readonly platform: string
  /** For a URL that does not answer at all. */
  readonly unreachable: string
  /** For a stream that arrives in one lump. */
  readonly buffered?: string
  /** For a stream that stops before `data: [DONE]`. */
  readonly cut?: string
}

const GFW =
  'is often unreachable from mainland China: attach a custom domain and check that URL instead (the guide shows how).'

/** Default domains, by suffix. New Deno Deploy serves apps on *.deno.net, Deploy Classic on *.deno.dev. */
const HINTS: readonly (PlatformHint & { readonly suffixes: readonly string[] })[] = [
  {
    platform: 'Vercel',
    suffixes: ['.vercel.app'],
    unreachable: `*.vercel.app ${GFW} docs/vercel.md`,
    buffered:
      'Vercel streams only from a Web-handler function: deploy vercel.zip as built (api/oxy.js exports fetch); ' +
      'a default-exported (req, res) function is buffered.',
    cut:
      'Vercel stops a function at its maxDuration, 300 s at most on Hobby (800 s on Pro, with Fluid compute): ' +
      'a long reasoning answer is cut there. Raise maxDuration in vercel.json on Pro, or ask for less.',
  },
  {
    platform: 'Netlify',
    suffixes: ['.netlify.app'],
    unreachable: `*.netlify.app ${GFW} docs/netlify.md`,
    buffered:
      "Deploy netlify.zip's edge function with `netlify deploy`; a Netlify Function (not an edge function) " +
      'ends every invocation, stream included, after 60 s.',
    cut:
      'Netlify edge functions must send response headers within 40 s; a non-streaming reasoning request can take ' +
      'longer. Ask with stream: true.',
  },
  {
    platform: 'Deno Deploy',
    suffixes: ['.deno.net', '.deno.dev'],
    unreachable: `This Deno Deploy domain ${GFW} docs/deno.md`,
  },
  {
    platform: 'Cloudflare Workers',
    suffixes: ['.workers.dev'],
    unreachable: `*.workers.dev ${GFW} docs/cloudflare-workers.md`,
  },
]

/** The hint for a platform's default domain, or undefined for any other host. */
export function platformHintFor(hostname: string): PlatformHint | undefined {
  const host = hostname.toLowerCase().replace(/\.$/, '')
  return HINTS.find((hint) => hint.suffixes.some((suffix) => host.endsWith(suffix)))
}
