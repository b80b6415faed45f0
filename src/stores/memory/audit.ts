// Owns the in-memory audit store: rows in an array, listed newest first (by time, then id) after a keyset
// position, and deleted by age. Records are copied on the way in and out.

import type { AuditPosition, AuditQuery, AuditRecord, AuditStore } from '../../core/store.js';

/** Newest first: `at` descending, then `id` descending (JavaScript's string order, byte order for ASCII). */
const newestFirst = (a: AuditPosition, b: AuditPosition) => b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

export function createAuditStore(): AuditStore {
  let records: AuditRecord[] = [];
  const ids = new Set<string>();

  function page(rows: AuditRecord[], { limit, after }: AuditQuery): AuditRecord[] {
    return rows
      .filter((r) => !after || newestFirst(after, r) < 0)
      .sort(newestFirst)
      .slice(0, limit)
      .map((r) => structuredClone(r));
  }

  return {
    async append(record) {
      if (ids.has(record.id)) throw new Error(`memory store: duplicate audit id ${record.id}`);
      ids.add(record.id);
      records.push(structuredClone(record));
    },
    async listByUser(userId, query) {
      return page(records.filter((r) => r.userId === userId), query);
    },
    async listAll(query) {
      return page(records, query);
    },
    async deleteOlderThan(before) {
      const kept = records.filter((r) => r.at >= before);
      const deleted = records.length - kept.length;
      for (const r of records) if (r.at < before) ids.delete(r.id);
      records = kept;
      return deleted;
    },
    async forgetUser(userId) {
      let changed = 0;
      for (const r of records) {
        if (r.userId !== userId || (r.ip === null && r.userAgent === null)) continue;
        r.ip = null;
        r.userAgent = null;
        changed++;
      }
      return changed;
    },
  };
}
