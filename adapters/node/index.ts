export * from './logger'
export * from './run'
export * from './server'
