// Owns the public entry point `gatehouse/server`: the standalone server, its configuration (the engine's options
// and its own) and opening a store from it. Kept off the root entry so that `gatehouse` loads neither Fastify, pino and prom-client nor
// any store driver.
export { createServer } from './server.js';
export type { GatehouseServer, ServerOptions } from './server.js';
export { openStore } from './open-store.js';
export type { StoreConfig } from './open-store.js';
export { resolveServerConfig, SERVER_DEFAULTS } from './config.js';
export type { LogLevel, ServerConfig, ServerConfigOptions, ServerConfigSources, ServerSettings } from './config.js';
