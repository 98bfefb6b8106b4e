export * from './exchange'
export * from './read-whole-body'
export * from './retry'
export * from './timeouts'
