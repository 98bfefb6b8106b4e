/**
 * Userinfo: from the start of a value, or after `//`, a space, `,` or `=`, to the last `@`
 * before the path. Greedy, so `user:p@ss@host` loses all of `user:p@ss`; schemeless values
 * (`user:pass@proxy:7890`, which HTTPS_PROXY accepts) are covered by the start of the value.
 */
const USERINFO = /(^|\/\/|[\s,=])[^\s/?#]*@/g
/** A query's values (names stay, to say which parameter was there) and any fragment. */
const QUERY_VALUE = /([?&][^=&#\s]*=)[^&#\s]*/g
const BARE_QUERY_PART = /([?&])([^=&#\s]+)(?=&|#|\s|$)/g
const FRAGMENT = /#[^\s]*/g

/**
 * Hides what a URL-valued variable may carry as a secret (a proxy password, a key in
 * `?key=`, a token after `#`) from a message that echoes the value. Config errors go to
 * stderr, to log collectors, and on Workers and Lambda to anonymous clients.
 */
export function redactUrlSecrets(text: string): string {
  return text
    .replace(USERINFO, '$1***@')
    .replace(FRAGMENT, '#***')
    .replace(QUERY_VALUE, '$1***')
    .replace(BARE_QUERY_PART, '$1***')
}
