// Owns choosing a store from GATEHOUSE_DATABASE_URL: `sqlite:PATH` (the default) or `memory:`.
import type { Store } from '../core/store.js';
import { createMemoryStore } from './memory.js';
import { createSqliteStore } from './sqlite/index.js';

export async function openStore(databaseUrl: string): Promise<Store> {
  if (databaseUrl === 'memory:') return createMemoryStore();
  if (databaseUrl.startsWith('sqlite:')) return createSqliteStore({ path: databaseUrl.slice('sqlite:'.length) });
  throw new Error(`Unsupported database URL scheme: ${databaseUrl.split(':')[0] ?? ''}`);
}
