import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['core/**/*.test.ts', 'adapters/**/*.test.ts', 'build/**/*.test.ts', 'test/**/*.test.ts'],
    // Builds every zip once, from the working tree, for the tests that boot them.
    globalSetup: ['test/build-artifacts.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Tests start real servers on loopback; forks keep one test file's sockets and globals from another's.
    pool: 'forks',
  },
})
