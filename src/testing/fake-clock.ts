// Owns the fake clock for tests of code that takes an injected clock (`createGatehouse({ clock })`,
// `createServer({ clock })`, `createVerifier({ clock })`): epoch milliseconds that move only when told to, so
// expiry is tested without sleeping or patching Date.

export interface FakeClock {
  (): number;
  /** Moves the clock forward by `ms`. */
  advance(ms: number): void;
  /** Sets the clock to `ms` (epoch milliseconds). */
  set(ms: number): void;
}

/** A clock at `start` (default 2026-01-01T00:00:00Z) that moves only by `advance` and `set`. */
export function fakeClock(start = Date.UTC(2026, 0, 1)): FakeClock {
  let now = start;
  const clock = (() => now) as FakeClock;
  clock.advance = (ms) => {
    now += ms;
  };
  clock.set = (ms) => {
    now = ms;
  };
  return clock;
}
