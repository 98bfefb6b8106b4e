export * from './defaults'
