// Owns the memory store's tests: it must pass the shared store conformance suite.

import { runStoreConformance } from '../../testing/conformance/index.js';
import { createMemoryStore } from './index.js';

runStoreConformance('memory', async () => ({ store: createMemoryStore() }));
