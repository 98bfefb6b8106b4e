export * from './logger'
export * from './run'
export * from './server'
export * from './track-connections'
