export * from './defaults'
export * from './load-proxy'
export * from './read-netlify-env'
