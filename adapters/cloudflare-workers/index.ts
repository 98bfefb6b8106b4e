export * from './config-error-response'
export * from './defaults'
export * from './load-proxy'
export * from './to-env-record'
