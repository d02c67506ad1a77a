/* A child process for tests: opens a lowdb store on argv[2], says "ready", then waits to be killed. */
import { createLowdbStore } from '../createLowdbStore.js';

const store = createLowdbStore({ dataDir: process.argv[2]!, contentEncryption: false, fsync: false });
try {
  await store.init();
  process.stdout.write('ready\n');
  setInterval(() => undefined, 60_000);
} catch (error) {
  process.stdout.write(`refused ${(error as { code?: string }).code}: ${(error as Error).message}\n`);
  process.exit(3);
}
