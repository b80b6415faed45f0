// Owns the soak run's traffic: N virtual users, each with its own slice of the user pool (so no two hold a
// credential of one user at once), looping login → many checks (with refreshes in token and hybrid mode) →
// logout → the revoked credential presented again at once on the instance that logged it out and, after the
// settle bound, on every instance. Requests spread over the instances at random.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Mode } from '../lib/gatehouse.js';
import { check, logIn, logOut, refresh, type Credential, type Instance, type Probe, type SoakUser } from './client.js';

export interface TrafficPlan {
  instances: readonly Instance[];
  users: readonly SoakUser[];
  virtualUsers: number;
  /** A revoked credential is presented to the other instances only this long after its logout's answer. */
  settleMs: number;
  /** performance.now() at which the virtual users stop (each logs out the credential it holds first). */
  endsAt: number;
}

export interface TrafficCounts {
  cycles: number;
  /** Credentials given up after an error or a wrong answer (their state was no longer known). */
  abandoned: number;
}

/** Session 40 %, token 35 %, hybrid 25 %. */
function pickMode(): Mode {
  const r = Math.random();
  return r < 0.4 ? 'session' : r < 0.75 ? 'token' : 'hybrid';
}

/** Checks per login: argon2id costs ~20 ms of the server core per login, a check well under 0.1 ms. */
const CHECKS = { min: 100, max: 700 };
/** Token and hybrid credentials are refreshed every this many checks. */
const REFRESH_EVERY = 50;
/** Share of checks on GET /auth/me (the rest on /auth/verify). */
const ME_SHARE = 0.3;
/** A credential is logged out by this age at the latest: well inside the 15-minute access-token lifetime. */
const MAX_AGE_MS = 5 * 60_000;

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;
const route = (): 'verify' | 'me' => (Math.random() < ME_SHARE ? 'me' : 'verify');

export async function runTraffic(probe: Probe, plan: TrafficPlan): Promise<TrafficCounts> {
  const counts: TrafficCounts = { cycles: 0, abandoned: 0 };
  const late: { credential: Credential; dueAt: number }[] = [];
  let usersDone = false;
  const running = () => performance.now() < plan.endsAt;

  /** One credential's life; false when it was abandoned. */
  async function cycle(user: SoakUser): Promise<boolean> {
    const mode = pickMode();
    const credential = await logIn(probe, pick(plan.instances), user, mode);
    if (!credential) return false;
    const checks = CHECKS.min + Math.floor(Math.random() * (CHECKS.max - CHECKS.min));
    for (let i = 1; i <= checks && running() && performance.now() - credential.loggedInAt < MAX_AGE_MS; i++) {
      if (mode !== 'session' && i % REFRESH_EVERY === 0) {
        if ((await refresh(probe, pick(plan.instances), credential)) !== 'accepted-live') return false;
      } else {
        const answer = await check(probe, pick(plan.instances), credential, route());
        if (answer !== 'accepted-live' && answer !== 'error') return false;
      }
    }
    const at = pick(plan.instances);
    if ((await logOut(probe, at, credential)) !== 'accepted-live') return false;
    // Revocation on the instance that answered the logout holds at once.
    await check(probe, at, credential, route());
    if (mode === 'token') await refresh(probe, at, credential);
    late.push({ credential, dueAt: (credential.revokedAt ?? 0) + plan.settleMs });
    return true;
  }

  async function virtualUser(index: number): Promise<void> {
    const mine = plan.users.filter((_, i) => i % plan.virtualUsers === index);
    for (let n = 0; running(); n++) {
      const user = mine[n % mine.length];
      if (!user) return;
      if (await cycle(user)) counts.cycles++;
      else {
        counts.abandoned++;
        await sleep(50); // an instance refusing logins must not be hammered in a tight loop
      }
    }
  }

  /** Presents each revoked credential on every instance once the settle bound has passed. */
  async function lateChecks(): Promise<void> {
    while (!usersDone || late.length > 0) {
      const head = late[0];
      if (!head) {
        await sleep(20);
        continue;
      }
      const wait = head.dueAt - performance.now();
      if (wait > 0) {
        await sleep(Math.min(wait, 50));
        continue;
      }
      late.shift();
      for (const instance of plan.instances) await check(probe, instance, head.credential, route());
      if (head.credential.mode === 'token') await refresh(probe, pick(plan.instances), head.credential);
    }
  }

  const checker = lateChecks();
  await Promise.all(Array.from({ length: plan.virtualUsers }, (_, i) => virtualUser(i)));
  usersDone = true;
  await checker;
  return counts;
}
