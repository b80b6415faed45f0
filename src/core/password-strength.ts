// Owns the password strength estimate: zxcvbn-ts with @zxcvbn-ts/language-common (the common-password and
// diceware dictionaries, the keyboard adjacency graphs) run on a thread of its own, started at the first check so
// that importing gatehouse stays light; the common-password list; the refusal threshold; the account's own email
// as guessable input; and zxcvbn's feedback, in English, for the refusal message.
//
// Why a thread: the dictionaries stay out of the server's heap (in it, on Node 20, they left about two processes
// in three running their request path ~15% slower for their whole life: docs/performance.md, fifth pass), and
// zxcvbn's synchronous matching (up to ~0.1 s) off its event loop.
import { Worker } from 'node:worker_threads';
import type { TranslationKeys } from '@zxcvbn-ts/core';

/**
 * Only the first this many characters (code points) are estimated. zxcvbn is synchronous and its matching grows
 * faster than the password (at worst tens of ms at 100 characters, over ten seconds at 1024). A longer password
 * is judged by its start: when even that is guessable the whole is refused; otherwise length alone puts it out
 * of reach.
 */
export const ESTIMATED_LENGTH = 100;

/**
 * zxcvbn scores 0–4 by its estimate of guesses; 3 means at least 10^8. A leaked argon2id hash is its "offline,
 * slow hashing" attack (10^4 guesses a second): a score 0 or 1 password falls in under two minutes, a score 2
 * one in under three hours; score 3 is the lowest zxcvbn calls safe against that attack.
 */
export const MIN_SCORE = 3;

/** Words shorter than this in an email are not used as guessable input: they would match everywhere. */
const MIN_INPUT_LENGTH = 3;

export interface StrengthEstimate {
  /** Whether the password is on the ~50k common-password list, in any case (then nothing else is estimated). */
  common: boolean;
  /** zxcvbn's 0–4 (0 for a common password). */
  score: number;
  /** Whether the password is refused (common, or a score under MIN_SCORE). */
  weak: boolean;
  /** zxcvbn's warning and suggestions, in English. */
  feedback: string[];
}

export interface StrengthEstimator {
  /** The estimate for the password's first ESTIMATED_LENGTH characters; `userInputs` are words guessed first. */
  estimate(password: string, userInputs: readonly string[]): Promise<StrengthEstimate>;
}

/**
 * How many de-l33ted spellings of a substring zxcvbn tries (default 100): on 1,500 l33t-spelled common passwords,
 * 30 refused exactly the same ones, and it cuts the slowest 100-character checks to about a third.
 */
const L33T_VARIANTS = 30;

/** zxcvbn's feedback keys, worded for the 400 message (zxcvbn-ts ships the keys, not English text). */
const ENGLISH: TranslationKeys = {
  warnings: {
    straightRow: 'A straight row of keys is easy to guess.',
    keyPattern: 'A short keyboard pattern is easy to guess.',
    simpleRepeat: 'A repeated character, like "aaa", is easy to guess.',
    extendedRepeat: 'A repeated group of characters, like "abcabcabc", is easy to guess.',
    sequences: 'A sequence, like "abc" or "6543", is easy to guess.',
    recentYears: 'A recent year is easy to guess.',
    dates: 'A date is easy to guess.',
    topTen: 'This is one of the most used passwords.',
    topHundred: 'This is a very frequently used password.',
    common: 'This is a commonly used password.',
    similarToCommon: 'This is close to a commonly used password.',
    wordByItself: 'A single word is easy to guess.',
    namesByThemselves: 'A name or surname on its own is easy to guess.',
    commonNames: 'Common names and surnames are easy to guess.',
    userInputs: 'It contains your email address or part of it.',
    pwned: 'This password has appeared in a data breach.',
  },
  suggestions: {
    l33t: "Letter substitutions such as '@' for 'a' do not help.",
    reverseWords: 'A common word spelled backwards does not help.',
    allUppercase: 'Capitalize some letters, not all of them.',
    capitalization: 'Capitalize more than the first letter.',
    dates: 'Avoid dates and years that have to do with you.',
    recentYears: 'Avoid recent years.',
    associatedYears: 'Avoid years that have to do with you.',
    sequences: 'Avoid sequences of characters.',
    repeated: 'Avoid repeated words and characters.',
    longerKeyboardPattern: 'Use a longer keyboard pattern that changes direction several times.',
    anotherWord: 'Add more words, preferably uncommon ones.',
    useWords: 'Use several words, but not a well-known phrase.',
    noNeed: 'Symbols, digits and capitals are not needed for a strong password.',
    pwned: 'If you use this password anywhere else, change it there.',
  },
  timeEstimation: {
    ltSecond: 'less than a second',
    second: '{base} second',
    seconds: '{base} seconds',
    minute: '{base} minute',
    minutes: '{base} minutes',
    hour: '{base} hour',
    hours: '{base} hours',
    day: '{base} day',
    days: '{base} days',
    month: '{base} month',
    months: '{base} months',
    year: '{base} year',
    years: '{base} years',
    centuries: 'centuries',
  },
};

/** A check sent to the estimate's thread, and its answer. */
interface StrengthRequest {
  id: number;
  password: string;
  userInputs: string[];
}
type StrengthReply = { id: number; estimate: StrengthEstimate } | { id: number; error: string };

/** What the thread is given: the packages' addresses (resolved here) and the settings above. */
interface ThreadData {
  core: string;
  language: string;
  translations: TranslationKeys;
  estimatedLength: number;
  l33tVariants: number;
  minScore: number;
}

/**
 * The thread's code, plain JavaScript run with `eval` (a module of ours would be TypeScript under tsx, which
 * Node 20 cannot load in a worker). It loads the dictionaries, then answers each StrengthRequest with a
 * StrengthReply: common passwords without an estimate, others by zxcvbn on their first characters. An error
 * reply never carries what a failed check threw, which could quote the password.
 */
const THREAD = `
const { parentPort, workerData: data } = require('node:worker_threads');
const ready = Promise.all([import(data.core), import(data.language)]).then(([{ ZxcvbnFactory }, { dictionary, adjacencyGraphs }]) => ({
  // maxLength in UTF-16 units: the password is already cut to estimatedLength code points, so it never cuts again.
  zxcvbn: new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs, translations: data.translations,
    maxLength: 2 * data.estimatedLength, l33tMaxSubstitutions: data.l33tVariants }),
  common: new Set(dictionary['passwords-common'].map((p) => p.toLowerCase())),
}));
parentPort.on('message', ({ id, password, userInputs }) => ready.then(({ zxcvbn, common }) => {
  try {
    if (common.has(password.toLowerCase())) return { id, estimate: { common: true, score: 0, weak: true, feedback: [] } };
    const { score, feedback } = zxcvbn.check([...password].slice(0, data.estimatedLength).join(''), userInputs);
    const words = [...(feedback.warning ? [feedback.warning] : []), ...feedback.suggestions];
    return { id, estimate: { common: false, score, weak: score < data.minScore, feedback: words } };
  } catch (error) {
    // Only the error's name: its message could quote the password, and it ends up in a log line.
    return { id, error: 'the estimate threw ' + (error instanceof Error ? error.name : 'a non-error') };
  }
}, (error) => ({ id, error: 'the dictionaries did not load: ' + (error instanceof Error ? error.message : String(error)) }))
  .then((reply) => parentPort.postMessage(reply)));
`;

/**
 * Starts the estimate's thread. It holds the process open only while a check waits on it; when it fails or
 * exits, every waiting check is refused with the error and the next check starts a new thread.
 */
function startEstimator(): StrengthEstimator {
  const workerData: ThreadData = {
    core: import.meta.resolve('@zxcvbn-ts/core'),
    language: import.meta.resolve('@zxcvbn-ts/language-common'),
    translations: ENGLISH,
    estimatedLength: ESTIMATED_LENGTH,
    l33tVariants: L33T_VARIANTS,
    minScore: MIN_SCORE,
  };
  const worker = new Worker(THREAD, { eval: true, workerData });
  worker.unref();
  const waiting = new Map<number, { resolve: (estimate: StrengthEstimate) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  const fail = (error: Error) => {
    if (estimator === started) estimator = undefined;
    for (const check of waiting.values()) check.reject(error);
    waiting.clear();
  };
  worker.on('message', (reply: StrengthReply) => {
    const check = waiting.get(reply.id);
    if (!check) return;
    waiting.delete(reply.id);
    if (waiting.size === 0) worker.unref();
    if ('error' in reply) {
      check.reject(new Error(`password strength estimate failed: ${reply.error}`));
      void worker.terminate(); // a thread that could not load stays so: the next check starts another
    } else {
      check.resolve(reply.estimate);
    }
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`password strength thread exited (code ${code})`)));
  const started: StrengthEstimator = {
    estimate: (password, userInputs) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        waiting.set(id, { resolve, reject });
        worker.ref();
        worker.postMessage({ id, password, userInputs: [...userInputs] } satisfies StrengthRequest);
      }),
  };
  return started;
}

let estimator: StrengthEstimator | undefined;

/**
 * The estimator. Its thread starts at the first call and loads the dictionaries (~50 ms and some MB, in the
 * thread's own heap); checks made meanwhile wait for them. A failed load refuses the check, and the next check
 * tries again on a new thread.
 */
export function strengthEstimator(): StrengthEstimator {
  estimator ??= startEstimator();
  return estimator;
}

/**
 * What a guesser who knows the account's email tries first: the address, its local part with and without its
 * separators, the words of the local part, and the domain's labels but the last (`ada.lovelace@example.com`:
 * `ada.lovelace`, `adalovelace`, `ada`, `lovelace`, `example`).
 */
export function emailInputs(email: string): string[] {
  const at = email.lastIndexOf('@');
  const local = at < 0 ? email : email.slice(0, at);
  const labels = at < 0 ? [] : email.slice(at + 1).split('.').slice(0, -1);
  const words = local.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const inputs = new Set([email, local, words.join(''), ...words, ...labels]);
  return [...inputs].filter((input) => [...input].length >= MIN_INPUT_LENGTH);
}
