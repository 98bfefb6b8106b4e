'use strict'

// Bundled in place of serverless-http's lib/provider/aws/is-binary.js (see build/targets.ts).
// That module matches content types and encodings when no function is given; oxy always gives
// one (isBinaryResponse), which it would call exactly like this.
module.exports = function isBinary(headers, options) {
  return options.binary(headers)
}
