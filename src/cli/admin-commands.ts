// Owns the administration commands (SPEC §7): `gatehouse users list|show|disable|enable|delete|reset-mfa`, `gatehouse
// sessions revoke` and `gatehouse audit`, on the configured store through the engine's `admin` operations (the
// same rules and audit as the `/admin/` API; the actor is the command line: `adminId` null). The flags of
// their own (`--query`, `--user`, `--limit`) are taken out here before the server's options are read.
import type { AdminActor, AdminUser } from '../core/administration.js';
import type { Gatehouse } from '../core/gatehouse.js';
import { UsageError, commandsUnder } from './usage.js';

export type WithEngine = <T>(task: (gatehouse: Gatehouse) => Promise<T>) => Promise<T>;

const CLI_ACTOR: AdminActor = { adminId: null, ip: null, userAgent: 'gatehouse-cli' };

/** The command's own flags (`--name VALUE` or `--name=VALUE`), and the rest for the server's options. */
export function takeFlags(flags: readonly string[], names: readonly string[]): { values: Record<string, string>; rest: string[] } {
  const values: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i] ?? '';
    const [name = '', inline] = flag.split(/=(.*)/s, 2);
    if (!names.includes(name)) {
      rest.push(flag);
      continue;
    }
    const value = inline ?? flags[++i];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    values[name.slice(2)] = value;
  }
  return { values, rest };
}

function limitOf(text: string | undefined, words: string[]): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]{1,3}$/.test(text) || Number(text) < 1 || Number(text) > 100) throw new UsageError('--limit must be a whole number from 1 to 100', commandsUnder(words));
  return Number(text);
}

const userLine = (u: AdminUser) =>
  `${u.email}  ${u.id}  roles ${u.roles.join(',') || '-'}  ${u.disabledAt === null ? 'enabled' : `disabled ${u.disabledAt}`}  created ${u.createdAt}`;

function noSuchUser(email: string): number {
  process.stderr.write(`gatehouse: no user with email ${email}\n`);
  return 1;
}

/** Runs one administration command (its words joined, e.g. `users disable`); null when it is not one. */
export async function runAdminCommand(
  name: string,
  args: readonly string[],
  values: Record<string, string>,
  withEngine: WithEngine,
): Promise<number | null> {
  const [email = ''] = args;
  const out = (text: string) => process.stdout.write(`${text}\n`);

  /** The user with `email`, then `act` on it; exit 1 when there is none. */
  const onUser = (act: (gatehouse: Gatehouse, user: AdminUser) => Promise<void>) =>
    withEngine(async (gatehouse) => {
      const user = await gatehouse.admin.findUserByEmail(email);
      if (!user) return noSuchUser(email);
      await act(gatehouse, user);
      return 0;
    });

  switch (name) {
    case 'users list': {
      const limit = limitOf(values['limit'], ['users', 'list']);
      return withEngine(async (gatehouse) => {
        let cursor: string | null = null;
        let shown = 0;
        do {
          const page = await gatehouse.admin.findUsers({ query: values['query'], limit: limit ?? 100, cursor });
          for (const user of page.users) out(userLine(user));
          shown += page.users.length;
          cursor = limit === undefined ? page.next : null; // --limit: one page only
        } while (cursor !== null);
        if (shown === 0) out('No users.');
        return 0;
      });
    }
    case 'users show':
      return onUser(async (gatehouse, user) => {
        out(userLine(user));
        const detail = await gatehouse.admin.showUser(user.id);
        const sessions = detail?.sessions ?? [];
        out(sessions.length === 0 ? 'No sessions.' : `${sessions.length} session(s):`);
        for (const s of sessions) out(`  ${s.id}  ${s.mode}  created ${s.createdAt}  last active ${s.lastActiveAt}  expires ${s.expiresAt}  ${s.ip ?? '-'}  ${s.userAgent ?? '-'}`);
        const factors = detail?.factors ?? [];
        out(factors.length === 0 ? 'Factors: none.' : `${factors.length} factor(s):`);
        for (const f of factors) {
          out(f.type === 'totp' ? `  totp  enabled ${f.enabledAt}  recovery codes left ${f.recoveryCodesLeft}` : `  passkey  ${f.id}  "${f.name}"  created ${f.createdAt}  last used ${f.lastUsedAt ?? 'never'}`);
        }
      });
    case 'users disable':
      return onUser(async (gatehouse, user) => {
        await gatehouse.admin.disableUser(CLI_ACTOR, user.id);
        out(`Disabled ${user.email}: every session and token ended, sign-in refused until \`gatehouse users enable\`.`);
      });
    case 'users enable':
      return onUser(async (gatehouse, user) => {
        await gatehouse.admin.enableUser(CLI_ACTOR, user.id);
        out(`Enabled ${user.email}: they can sign in again.`);
      });
    case 'users delete':
      return onUser(async (gatehouse, user) => {
        await gatehouse.admin.deleteUser(CLI_ACTOR, user.id);
        out(`Deleted ${user.email}, with every session and token.`);
      });
    case 'users reset-mfa':
      return onUser(async (gatehouse, user) => {
        await gatehouse.admin.resetMfa(CLI_ACTOR, user.id);
        out(`Removed the second factors and passkeys of ${user.email}: they sign in with the password alone until they set one up again.`);
      });
    case 'sessions revoke':
      return onUser(async (gatehouse, user) => {
        await gatehouse.admin.revokeSessions(CLI_ACTOR, user.id);
        out(`Ended every session and token family of ${user.email}; access tokens are refused too.`);
      });
    case 'audit': {
      const limit = limitOf(values['limit'], ['audit']) ?? 20;
      const userEmail = values['user'];
      return withEngine(async (gatehouse) => {
        const user = userEmail === undefined ? null : await gatehouse.admin.findUserByEmail(userEmail);
        if (userEmail !== undefined && !user) return noSuchUser(userEmail);
        const page = await gatehouse.admin.listAudit({ limit, ...(user ? { userId: user.id } : {}) });
        for (const e of page.events) {
          const details = Object.keys(e.details).length > 0 ? `  ${JSON.stringify(e.details)}` : '';
          out(`${e.at}  ${e.type}  user ${e.userId ?? '-'}  session ${e.sessionId ?? '-'}  ip ${e.ip ?? '-'}${details}`);
        }
        if (page.events.length === 0) out('No audit events.');
        return 0;
      });
    }
    default:
      return null;
  }
}
