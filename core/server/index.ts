export * from './logger'
export * from './run-server'
export * from './start-server'
export * from './track-connections'
