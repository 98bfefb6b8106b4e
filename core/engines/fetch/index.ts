export * from './fetch-proxy'
export * from './to-response'
