export * from './counter-table'
export * from './limiter'
export * from './memory-store'
export * from './store'
