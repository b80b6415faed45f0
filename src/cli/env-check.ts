// Owns noticing mistyped settings: a GATEHOUSE_* environment variable that is no option would otherwise be
// ignored without a word (GATEHOUSE_PORTT), so the command line warns about each, naming the closest option.
import { describeOptions } from '../server/config.js';

/** The test suite's own variables (the services it runs against), not settings of the server. */
const NOT_SETTINGS = /^GATEHOUSE_TEST_/;

/** Edits (insert, delete, substitute) between two strings. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The known variable closest to `name`, when it is close enough to be a typo of it. */
function closest(name: string, known: readonly string[]): string | undefined {
  let best: { name: string; edits: number } | undefined;
  for (const candidate of known) {
    const edits = distance(name, candidate);
    if (!best || edits < best.edits) best = { name: candidate, edits };
  }
  const bare = name.replace(/^GATEHOUSE_/, '');
  return best && best.edits <= Math.max(2, Math.floor(bare.length / 3)) ? best.name : undefined;
}

/** One warning line for each GATEHOUSE_* variable that is not a setting. */
export function unknownVariableWarnings(env: Record<string, string | undefined>): string[] {
  const known = describeOptions().map((o) => o.env);
  return Object.keys(env)
    .filter((name) => name.startsWith('GATEHOUSE_') && !known.includes(name) && !NOT_SETTINGS.test(name))
    .sort()
    .map((name) => {
      const guess = closest(name, known);
      return `gatehouse: warning: ${name} is not a Gatehouse setting and is ignored${guess ? ` (did you mean ${guess}?)` : ''}`;
    });
}
