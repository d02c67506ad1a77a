import type { Cipher } from './crypto/createCipher.js';
import { createCipher } from './crypto/createCipher.js';
import { createFieldCodec, type FieldCodec } from './crypto/FieldCodec.js';
import { loadOrCreateLocalKey } from './crypto/loadOrCreateLocalKey.js';
import { parseKeyring } from './crypto/parseEncryptionKey.js';
import { createLowdbStore } from './lowdb/createLowdbStore.js';
import { createPostgresStore } from './postgres/createPostgresStore.js';
import type { Store } from './Store.js';
import { silentLogger, type StoreClock, type StoreLogger } from './types.js';

/** What the server passes from its environment. */
export interface StoreConfig {
  /** DATABASE_URL: PostgreSQL when set. */
  databaseUrl?: string;
  /** DATA_DIR: the lowdb folder, and where a generated key is kept. @default './data' */
  dataDir?: string;
  /** DATA_ENCRYPTION_KEY: one key (base64/hex) or a ring `id:key,id:key` (first active). Turns on content encryption. */
  encryptionKey?: string;
  /** PostgreSQL schema. @default 'public' */
  schema?: string;
  poolSize?: number;
  /** fsync lowdb writes. @default true */
  fsync?: boolean;
  clock?: StoreClock;
  log?: StoreLogger;
}

/** The chosen store plus the codec the server uses to seal bot access tokens. */
export interface CreatedStore {
  store: Store;
  kind: 'lowdb' | 'postgres';
  cipher: Cipher;
  codec: FieldCodec;
  contentEncryption: boolean;
  /** Where the key came from: the environment, or a file generated in DATA_DIR. */
  keySource: 'env' | 'generated' | 'file';
}

/**
 * Picks the store from the configuration: `DATABASE_URL` → PostgreSQL, else lowdb in `DATA_DIR`.
 * Access tokens are always sealed; content only when `DATA_ENCRYPTION_KEY` is set. Call `store.init()` next.
 * @example const { store, codec } = await createStore({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR, encryptionKey: env.DATA_ENCRYPTION_KEY });
 */
export async function createStore(config: StoreConfig): Promise<CreatedStore> {
  const log = config.log ?? silentLogger;
  const dataDir = config.dataDir ?? './data';
  let cipher: Cipher;
  let keySource: CreatedStore['keySource'];
  if (config.encryptionKey) {
    cipher = createCipher(parseKeyring(config.encryptionKey));
    keySource = 'env';
  } else {
    const local = await loadOrCreateLocalKey(dataDir);
    cipher = createCipher({ keys: [{ id: 'local', key: local.key }], activeKeyId: 'local' });
    keySource = local.created ? 'generated' : 'file';
    if (local.created) {
      log.warn(
        { path: local.path },
        'No DATA_ENCRYPTION_KEY is set: generated a key for access tokens. Back it up; set DATA_ENCRYPTION_KEY to also encrypt messages.',
      );
    }
    if (config.databaseUrl) {
      log.warn(
        {},
        'DATABASE_URL without DATA_ENCRYPTION_KEY: every server instance needs the same key to read access tokens.',
      );
    }
  }
  const contentEncryption = keySource === 'env';
  const common = { cipher, contentEncryption, clock: config.clock, log };
  const store = config.databaseUrl
    ? createPostgresStore({
        ...common,
        connectionString: config.databaseUrl,
        schema: config.schema,
        poolSize: config.poolSize,
      })
    : createLowdbStore({ ...common, dataDir, fsync: config.fsync });
  return {
    store,
    kind: config.databaseUrl ? 'postgres' : 'lowdb',
    cipher,
    codec: createFieldCodec({ cipher, contentEncryption }),
    contentEncryption,
    keySource,
  };
}
