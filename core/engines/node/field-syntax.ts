/** RFC 9110 section 5.6.2: methods and field names are tokens. */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/**
 * Field values may hold HTAB, visible ASCII and obs-text; no CR, LF, NUL or other control.
 * The same test node:http applies before it writes a value, so what passes here it accepts.
 */
export const INVALID_VALUE_CHAR = /[^\t\x20-\x7e\x80-\xff]/
