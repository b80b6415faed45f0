// Owns the password strength estimate: zxcvbn-ts with @zxcvbn-ts/language-common (the common-password and
// diceware dictionaries, the keyboard adjacency graphs), loaded once at the first check so that importing
// gatehouse stays light; the common-password list; the refusal threshold; the account's own email as guessable
// input; and zxcvbn's feedback, in English, for the refusal message.
import type { TranslationKeys, ZxcvbnFactory } from '@zxcvbn-ts/core';

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

/** How many de-l33ted spellings of a substring zxcvbn tries; see loadStrengthEstimator. */
const L33T_VARIANTS = 30;

/** Words shorter than this in an email are not used as guessable input: they would match everywhere. */
const MIN_INPUT_LENGTH = 3;

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

export interface StrengthEstimate {
  /** zxcvbn's 0–4. */
  score: number;
  /** Whether the password is refused (score under MIN_SCORE). */
  weak: boolean;
  /** zxcvbn's warning and suggestions, in English. */
  feedback: string[];
}

export interface StrengthEstimator {
  /** Whether the password is on the ~50k common-password list, in any case. */
  isCommon(password: string): boolean;
  /** The estimate for the password's first ESTIMATED_LENGTH characters; `userInputs` are words guessed first. */
  estimate(password: string, userInputs: readonly string[]): StrengthEstimate;
}

function createEstimator(zxcvbn: ZxcvbnFactory, commonPasswords: readonly string[]): StrengthEstimator {
  const common = new Set(commonPasswords.map((p) => p.toLowerCase()));
  return {
    isCommon: (password) => common.has(password.toLowerCase()),
    estimate(password, userInputs) {
      const start = [...password].slice(0, ESTIMATED_LENGTH).join('');
      const { score, feedback } = zxcvbn.check(start, [...userInputs]);
      return {
        score,
        weak: score < MIN_SCORE,
        feedback: [...(feedback.warning ? [feedback.warning] : []), ...feedback.suggestions],
      };
    },
  };
}

let estimator: Promise<StrengthEstimator> | undefined;

/** The estimator, built once, at the first call (its dictionaries take ~50 ms and some MB to load). */
export function loadStrengthEstimator(): Promise<StrengthEstimator> {
  estimator ??= (async () => {
    const [{ ZxcvbnFactory }, { dictionary, adjacencyGraphs }] = await Promise.all([
      import('@zxcvbn-ts/core'),
      import('@zxcvbn-ts/language-common'),
    ]);
    const zxcvbn = new ZxcvbnFactory({
      dictionary,
      graphs: adjacencyGraphs,
      translations: ENGLISH,
      // In UTF-16 units, and estimate() already cut the password to ESTIMATED_LENGTH code points: never cuts again.
      maxLength: 2 * ESTIMATED_LENGTH,
      // De-l33ted variants tried per substring (default 100): on 1,500 l33t-spelled common passwords, 30 refused
      // exactly the same ones, and it cuts the slowest 100-character checks to about a third.
      l33tMaxSubstitutions: L33T_VARIANTS,
    });
    return createEstimator(zxcvbn, dictionary['passwords-common']);
  })().catch((error: unknown) => {
    estimator = undefined; // a failed load is tried again at the next check
    throw error;
  });
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
