export * from './fetch-proxy'
export * from './load-fetch-proxy'
export * from './to-response'
