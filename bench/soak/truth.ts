// Owns the soak run's ground truth: every answer, classified against what the client knows of the credential
// it presented (live, or revoked by a logout it saw answered), counted per request kind and per class, with
// the first few wrong answers and errors kept whole for the report.

/** What a request was for; the `…-revoked` kinds present a credential the client saw logged out. */
export const KINDS = ['login', 'verify', 'me', 'refresh', 'logout', 'verify-revoked', 'me-revoked', 'refresh-revoked'] as const;
export type Kind = (typeof KINDS)[number];

export const CLASSES = ['accepted-live', 'refused-revoked', 'accepted-revoked', 'refused-live', 'wrong-user', 'error'] as const;
export type AnswerClass = (typeof CLASSES)[number];
/** The classes that are wrong answers (errors — 5xx, 429, network — are counted apart). */
export const WRONG: readonly AnswerClass[] = ['accepted-revoked', 'refused-live', 'wrong-user'];

export interface Example {
  /** Seconds since the setup's traffic began. */
  atSeconds: number;
  kind: Kind;
  answer: AnswerClass;
  instance: string;
  mode: string;
  email: string;
  status: number | string;
  /** Milliseconds since the logout's answer (revoked credentials) or since the login (live ones). */
  sinceMs: number;
  detail: string;
}

const EXAMPLES_KEPT = 10;

export interface Tally {
  /** Answered requests (any HTTP status) per kind since the start: the sampler turns them into rates. */
  answered: Record<Kind, number>;
  classes: Record<AnswerClass, number>;
  byKind: Record<Kind, Record<AnswerClass, number>>;
  /** Error answers by status (or `network`, `timeout`). */
  errors: Record<string, number>;
  wrongExamples: Example[];
  errorExamples: Example[];
}

const zeros = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

export function newTally(): Tally {
  return {
    answered: zeros(KINDS),
    classes: zeros(CLASSES),
    byKind: Object.fromEntries(KINDS.map((k) => [k, zeros(CLASSES)])) as Record<Kind, Record<AnswerClass, number>>,
    errors: {},
    wrongExamples: [],
    errorExamples: [],
  };
}

/**
 * The class of an answer: `status` is the HTTP status (or why there was none), `expectLive` the client's
 * truth, `okStatus` what acceptance looks like (200, 204 for a logout), `rightUser` false when an accepted
 * answer named another user.
 */
export function classify(status: number | string, expectLive: boolean, okStatus: number, rightUser = true): AnswerClass {
  if (status === okStatus) return !expectLive ? 'accepted-revoked' : rightUser ? 'accepted-live' : 'wrong-user';
  if (status === 401) return expectLive ? 'refused-live' : 'refused-revoked';
  return 'error';
}

export function record(tally: Tally, kind: Kind, answer: AnswerClass, example: Omit<Example, 'kind' | 'answer'>): void {
  if (typeof example.status === 'number') tally.answered[kind]++;
  tally.classes[answer]++;
  tally.byKind[kind][answer]++;
  if (answer === 'error') {
    const key = String(example.status);
    tally.errors[key] = (tally.errors[key] ?? 0) + 1;
    if (tally.errorExamples.length < EXAMPLES_KEPT) tally.errorExamples.push({ ...example, kind, answer });
  } else if (WRONG.includes(answer) && tally.wrongExamples.length < EXAMPLES_KEPT) {
    tally.wrongExamples.push({ ...example, kind, answer });
  }
}

export const wrongCount = (tally: Tally) => WRONG.reduce((sum, c) => sum + tally.classes[c], 0);
