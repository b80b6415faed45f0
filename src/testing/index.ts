// Owns `gatehouse/testing`: what third-party stores and embedding apps use to prove themselves.
export { runStoreConformance } from './conformance/index.js';
export type { ConformanceStoreHandle } from './conformance/index.js';
export { fakeClock } from './fake-clock.js';
export type { FakeClock } from './fake-clock.js';
