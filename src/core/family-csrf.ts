// Owns the CSRF token of a hybrid token family: derived from the family id with a server key, so it needs no
// storage, survives every refresh of the family, and is worth nothing for another family or for a session.
import { createHmac } from 'node:crypto';
import { safeEqual } from './credentials.js';

export interface FamilyCsrf {
  token(familyId: string): string;
  matches(familyId: string, presented: string): boolean;
}

export function createFamilyCsrf(key: Buffer): FamilyCsrf {
  const token = (familyId: string) => createHmac('sha256', key).update(familyId).digest('base64url');
  return {
    token,
    matches: (familyId, presented) => safeEqual(token(familyId), presented),
  };
}
