import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEncryptionKey } from './parseEncryptionKey.js';

/** Name of the generated key file inside DATA_DIR. */
export const LOCAL_KEY_FILE = 'secret.key';

/**
 * Returns the key kept in `dataDir/secret.key`, creating it (mode 0600) on first start. Used to
 * encrypt access tokens when no DATA_ENCRYPTION_KEY is configured.
 * @example const { key, created } = await loadOrCreateLocalKey('./data');
 */
export async function loadOrCreateLocalKey(
  dataDir: string,
): Promise<{ key: Buffer; path: string; created: boolean }> {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, LOCAL_KEY_FILE);
  try {
    const handle = await open(path, 'wx', 0o600);
    const key = randomBytes(32);
    try {
      await handle.writeFile(`${key.toString('base64')}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return { key, path, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // Someone (an admin, a restore from backup) may have loosened the mode: tighten it again.
  const info = await stat(path);
  if ((info.mode & 0o077) !== 0) await chmod(path, 0o600);
  return { key: parseEncryptionKey(await readFile(path, 'utf8')), path, created: false };
}
