export * from './classify-error'
export * from './node-proxy'
export * from './upstream-agents'
export * from './websocket'
