// Owns `gatehouse/testing`: what third-party stores and embedding apps use to prove themselves.
export { runStoreConformance } from './conformance.js';
export type { ConformanceStoreHandle } from './conformance.js';
