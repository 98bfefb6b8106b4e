export * from './fetch-proxy'
