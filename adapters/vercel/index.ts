export * from './defaults'
export * from './load-proxy'
export * from './restore-client-url'
