// Owns the canonical-email tests: spellings of one address meet, look-alikes from other scripts stay
// distinct accounts, and anything implausible or invisible is refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalEmail } from './email.js';

describe('canonicalEmail folds spellings of one address together', () => {
  it('trims surrounding whitespace and lower-cases', () => {
    assert.equal(canonicalEmail('  Alice@Example.COM \n'), 'alice@example.com');
  });

  it('applies NFKC: fullwidth letters become ASCII', () => {
    assert.equal(canonicalEmail('ＡＬＩＣＥ@example.com'), 'alice@example.com');
    assert.equal(canonicalEmail('alice@ｅｘａｍｐｌｅ.com'), 'alice@example.com');
  });

  it('applies NFKC: the Kelvin sign K (U+212A) becomes k', () => {
    assert.equal(canonicalEmail('\u212Aelly@example.com'), 'kelly@example.com');
  });

  it('converts an IDN domain to punycode, whatever its case', () => {
    assert.equal(canonicalEmail('user@bücher.example'), 'user@xn--bcher-kva.example');
    assert.equal(canonicalEmail('user@BÜCHER.example'), 'user@xn--bcher-kva.example');
    assert.equal(canonicalEmail('user@xn--bcher-kva.example'), 'user@xn--bcher-kva.example');
  });

  it('drops a trailing dot on the domain', () => {
    assert.equal(canonicalEmail('alice@example.com.'), 'alice@example.com');
  });

  it('keeps the plus tag and dots in the local part (they are different mailboxes)', () => {
    assert.equal(canonicalEmail('Alice.Smith+news@example.com'), 'alice.smith+news@example.com');
  });
});

describe('canonicalEmail keeps look-alikes distinct', () => {
  const admin = canonicalEmail('admin@example.com');

  it('dotless ı (U+0131) is not i', () => {
    const dotless = canonicalEmail('adm\u0131n@example.com');
    assert.notEqual(dotless, null);
    assert.notEqual(dotless, admin);
    assert.notEqual(canonicalEmail('ADM\u0131N@example.com'), admin);
  });

  it('Cyrillic а (U+0430) is not Latin a, in the local part or the domain', () => {
    assert.notEqual(canonicalEmail('\u0430dmin@example.com'), admin);
    assert.notEqual(canonicalEmail('admin@ex\u0430mple.com'), admin);
  });

  it('dotted İ (U+0130) does not fold to a plain i', () => {
    const dotted = canonicalEmail('\u0130nfo@example.com');
    assert.notEqual(dotted, canonicalEmail('info@example.com'));
    assert.ok(dotted === null || !dotted.startsWith('info@'), `got ${dotted}`);
    assert.notEqual(canonicalEmail('info@\u0130bm.com'), canonicalEmail('info@ibm.com'));
  });
});

describe('canonicalEmail refuses implausible addresses', () => {
  const refused: [string, string][] = [
    ['no @', 'alice.example.com'],
    ['empty local part', '@example.com'],
    ['empty domain', 'alice@'],
    ['only an @', '@'],
    ['empty string', ''],
    ['space in the local part', 'al ice@example.com'],
    ['space in the domain', 'alice@exa mple.com'],
    ['tab inside', 'al\tice@example.com'],
    ['zero-width joiner in the local part', 'al\u200Dice@example.com'],
    ['zero-width joiner in the domain', 'alice@exa\u200Dmple.com'],
    ['zero-width space in the domain', 'alice@exa\u200Bmple.com'],
    ['soft hyphen in the domain', 'alice@exa\u00ADmple.com'],
    ['RTL override in the local part', 'al\u202Eice@example.com'],
    ['RTL override in the domain', 'alice@example\u202E.com'],
    ['domain without a dot', 'a@b'],
    ['consecutive dots in the local part', 'al..ice@example.com'],
    ['leading dot in the local part', '.alice@example.com'],
    ['trailing dot in the local part', 'alice.@example.com'],
    ['consecutive dots in the domain', 'alice@example..com'],
    ['NUL', 'al\u0000ice@example.com'],
    ['control character', 'al\u0001ice@example.com'],
    ['DEL', 'alice\u007F@example.com'],
    ['newline inside', 'alice\n@example.com'],
    ['angle brackets', '<alice@example.com>'],
    ['two @ signs', 'alice@evil.com@example.com'],
    ['quoted local part', '"alice smith"@example.com'],
    ['domain label starting with a hyphen', 'alice@-example.com'],
    ['IP literal', 'alice@[127.0.0.1]'],
  ];
  for (const [why, input] of refused) {
    it(`refuses ${why}`, () => {
      assert.equal(canonicalEmail(input), null, JSON.stringify(input));
    });
  }

  const local64 = 'a'.repeat(64);
  const domain189 = `${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`;

  it('accepts exactly 254 characters and refuses 255', () => {
    assert.equal(`${local64}@${domain189}`.length, 254);
    assert.equal(canonicalEmail(`${local64}@${domain189}`), `${local64}@${domain189}`);
    assert.equal(canonicalEmail(`${local64}@e${domain189}`), null);
  });

  it('accepts a 64-character local part and refuses 65', () => {
    assert.equal(canonicalEmail(`${local64}@example.com`), `${local64}@example.com`);
    assert.equal(canonicalEmail(`a${local64}@example.com`), null);
  });

  it('refuses an address whose punycode form is over 254 characters', () => {
    // 128 characters as typed; 308 once each "ü" label becomes "xn--tda".
    const typed = `${local64}@${'ü.'.repeat(30)}com`;
    assert.ok(typed.length <= 254);
    assert.equal(canonicalEmail(typed), null);
  });
});
