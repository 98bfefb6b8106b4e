/** Kept equal to package.json by version.test.ts; a literal so bundles need no JSON import. */
export const VERSION = '0.1.0'
