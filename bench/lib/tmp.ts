// Owns the run's scratch space: every SQLite file and data directory of one run lives under one temporary
// directory, removed when the run ends.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let root: string | undefined;
let count = 0;

/** A fresh directory for this run, e.g. one server's data directory. */
export function scratchDir(label: string): string {
  root ??= mkdtempSync(join(tmpdir(), 'gh-bench-'));
  const dir = join(root, `${label}-${++count}`);
  mkdirSync(dir);
  return dir;
}

export function removeScratch(): void {
  if (root) rmSync(root, { recursive: true, force: true });
}
