// Owns the hybrid cookie flows that start from the refresh cookie: a refresh (the token read once, then the
// family's CSRF token checked before anything rotates) and the end of a family from that cookie alone, for a
// logout whose access cookie has expired or a new login replacing the browser's old one.
import type { CsrfGate, Gatehouse } from './gatehouse.js';
import type { EngineParts } from './parts.js';
import { invalidRefreshToken } from './refresh.js';
import type { FamilyRotation } from './token-refresh.js';

export interface HybridFamilies {
  /** Revokes a family and denies its access tokens. */
  end(familyId: string, now: number): Promise<void>;
  /**
   * Ends the family of a genuine refresh token once it passes `csrf` with the family's token (none: `csrf`
   * is not asked). Returns false, ending nothing, for a token that is not genuine.
   */
  endFromCookie(refreshToken: string, now: number, csrf?: CsrfGate): Promise<boolean>;
}

export function createHybrid(parts: EngineParts, rotation: FamilyRotation): { families: HybridFamilies; members: Pick<Gatehouse, 'refreshFromCookie'> } {
  const { store, clock, audit, refreshTokens, access, familyCsrf } = parts;

  const families: HybridFamilies = {
    async end(familyId, now) {
      const family = await store.refreshTokens.getFamily(familyId);
      await store.refreshTokens.revokeFamily(familyId, now);
      await access.sessions([familyId], now);
      if (family) await audit.recordAfter({ type: 'logout', userId: family.userId, sessionId: familyId }, now);
    },

    async endFromCookie(refreshToken, now, csrf) {
      const found = await refreshTokens.find(refreshToken);
      if (!found) return false;
      const { familyId } = found.record;
      csrf?.((presented) => familyCsrf.matches(familyId, presented));
      await families.end(familyId, now);
      return true;
    },
  };

  const members: Pick<Gatehouse, 'refreshFromCookie'> = {
    async refreshFromCookie(refreshToken, csrf) {
      const now = clock();
      const found = await refreshTokens.find(refreshToken);
      if (!found) throw invalidRefreshToken();
      csrf((presented) => familyCsrf.matches(found.record.familyId, presented));
      const tokens = await rotation.rotate(found, now);
      return { tokens, csrfToken: familyCsrf.token(tokens.sessionId) };
    },
  };
  return { families, members };
}
