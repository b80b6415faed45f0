// Owns refreshing a token family: the per-family rate limit, the rotation of a genuine refresh token into a
// new access/refresh pair, and what reuse of a spent token does (the family is revoked by the store's rotate,
// its access tokens denied here, and the reuse audited). Token mode presents the token in a body; hybrid mode
// in a cookie (hybrid.ts). Either way the token is read from the store once.
import { GatehouseError } from './errors.js';
import type { Gatehouse, TokenPair } from './gatehouse.js';
import { issuePair } from './login.js';
import type { EngineParts } from './parts.js';
import { consumeAttempt } from './rate-limit.js';
import { invalidRefreshToken, type GenuineRefreshToken } from './refresh.js';

export interface FamilyRotation {
  /** Rotates a token `RefreshService.find` returned into the family's next pair. */
  rotate(found: GenuineRefreshToken, now: number): Promise<TokenPair>;
}

export function createTokenRefresh(parts: EngineParts): { rotation: FamilyRotation; members: Pick<Gatehouse, 'refresh'> } {
  const { config, store, clock, audit, refreshTokens, access } = parts;
  const refreshRule = { name: 'refresh-family', limit: config.refreshFamilyLimit, windowMs: config.rateLimitWindowSeconds * 1000 };

  const rotation: FamilyRotation = {
    async rotate(found, now) {
      const { familyId } = found.record;
      await consumeAttempt(store.rateLimits, refreshRule, familyId, now);
      try {
        const rotated = await refreshTokens.rotate(found, now);
        const user = await store.users.findById(rotated.family.userId);
        if (!user || user.disabledAt !== null) throw invalidRefreshToken();
        return await issuePair(parts, user, rotated.family, rotated.token, now);
      } catch (error) {
        if (error instanceof GatehouseError && error.code === 'refresh_token_reused') {
          await access.sessions([familyId], now);
          const family = await store.refreshTokens.getFamily(familyId);
          await audit.recordAfter({ type: 'refresh.reused', userId: family?.userId ?? null, sessionId: familyId }, now);
        }
        throw error;
      }
    },
  };

  const members: Pick<Gatehouse, 'refresh'> = {
    async refresh(refreshToken) {
      const now = clock();
      const found = await refreshTokens.find(refreshToken);
      if (!found) throw invalidRefreshToken();
      return rotation.rotate(found, now);
    },
  };
  return { rotation, members };
}
