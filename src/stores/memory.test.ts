// Owns the memory store's tests: it must pass the shared store conformance suite.

import { runStoreConformance } from '../testing/conformance.js';
import { createMemoryStore } from './memory.js';

runStoreConformance('memory', async () => ({ store: createMemoryStore() }));
