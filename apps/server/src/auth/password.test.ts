import { describe, expect, it } from 'vitest';
import { hashPassword, verifyAgainstDummy, verifyPassword } from './password.js';

const cheap = { N: 1024, r: 8, p: 1 };

describe('password hashing (scrypt)', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse battery', cheap);
    expect(stored).toMatch(/^scrypt\$1024\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
    expect(await verifyPassword('correct horse batterY', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('salts: the same password hashes differently', async () => {
    expect(await hashPassword('same', cheap)).not.toBe(await hashPassword('same', cheap));
  });

  it('uses a strong default cost', async () => {
    const stored = await hashPassword('x');
    expect(stored.startsWith('scrypt$32768$8$1$')).toBe(true);
    expect(await verifyPassword('x', stored)).toBe(true);
  });

  it('treats malformed or abusive stored hashes as no match', async () => {
    for (const bad of [
      '',
      'plain',
      'scrypt$1$2$3',
      'bcrypt$1024$8$1$a$b',
      'scrypt$1048577000$8$1$YQ$YQ',
      'scrypt$1024$8$1$YQ$',
    ]) {
      expect(await verifyPassword('x', bad)).toBe(false);
    }
  });

  it('normalizes unicode so the same visible password matches', async () => {
    const stored = await hashPassword('caf\u00e9', cheap);
    expect(await verifyPassword('cafe\u0301', stored)).toBe(true);
  });

  it('spends a real check on unknown users', async () => {
    expect(await verifyAgainstDummy('anything')).toBe(false);
  });
});
