import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Store } from '@parley/store';
import { randomSecret } from './secrets.js';

export interface EnsureInitialOwnerOptions {
  store: Store;
  email: string;
  hashPassword(password: string): Promise<string>;
  /** Prints the one-time box (the server passes a stdout writer; never the logger, which may be shipped elsewhere). */
  print(text: string): void;
  /** In sandbox mode the password is also written to `<dataDir>/initial-owner.txt` (mode 0600). */
  sandbox: boolean;
  dataDir: string;
  now?: () => number;
  random?: (size: number) => Buffer;
}

export const INITIAL_OWNER_FILE = 'initial-owner.txt';

/**
 * On the very first start (no user at all) creates the owner account with a random password,
 * prints it once in a box, and in sandbox mode also keeps it in DATA_DIR/initial-owner.txt.
 * Returns what it created, or null when users already exist.
 */
export async function ensureInitialOwner(
  options: EnsureInitialOwnerOptions,
): Promise<{ email: string; password: string; file?: string } | null> {
  const users = await options.store.listUsers();
  if (users.length > 0) return null;
  const random = options.random ?? randomBytes;
  const password = randomSecret(15, random);
  const now = (options.now ?? Date.now)();
  await options.store.saveUser({
    id: `usr_${randomSecret(9, random)}`,
    email: options.email,
    name: 'Owner',
    role: 'owner',
    passwordHash: await options.hashPassword(password),
    createdAt: now,
  });
  let file: string | undefined;
  if (options.sandbox) {
    file = path.join(options.dataDir, INITIAL_OWNER_FILE);
    await mkdir(options.dataDir, { recursive: true });
    await writeFile(
      file,
      `Parley owner login (created on first start)\nemail: ${options.email}\npassword: ${password}\n\nChange it after logging in, then delete this file.\n`,
      { mode: 0o600 },
    );
  }
  const lines = [
    'Parley created the owner account. This password is shown only once:',
    '',
    `  email:    ${options.email}`,
    `  password: ${password}`,
    '',
    file ? `It is also in ${file} (sandbox mode only).` : 'Store it in your password manager now.',
  ];
  const width = Math.max(...lines.map((l) => l.length)) + 2;
  const bar = '─'.repeat(width);
  options.print([`┌${bar}┐`, ...lines.map((l) => `│ ${l.padEnd(width - 1)}│`), `└${bar}┘`].join('\n') + '\n');
  return { email: options.email, password, ...(file ? { file } : {}) };
}
