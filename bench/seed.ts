import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { canonicalFlowJson, flowContentHash, parseFlow, type CommitUnit } from '@parley/flow';
import { builtinNodes, createRegistry } from '@parley/nodes';
import { createEngine, createSafeHttp } from '@parley/runtime';
import { createStore } from '@parley/store';
import { numberOfUser } from './numbers.js';
import { repoRoot } from './processes.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Pre-seeds `count` conversations, each a real pizza-order conversation waiting at its first
 * question (made by the real engine), so growth costs show in the runs; and one pizza-order bot
 * per number (the first is the default bot; the others use the default access token).
 */
export async function seedConversations(options: {
  dataDir?: string;
  databaseUrl?: string;
  phoneNumbers: readonly string[];
  count: number;
  concurrency?: number;
}): Promise<void> {
  const { store } = await createStore({
    dataDir: options.dataDir,
    databaseUrl: options.databaseUrl,
    fsync: false,
  });
  await store.init();
  try {
    const text = await readFile(path.join(repoRoot, 'flows/pizza-order.json'), 'utf8');
    const parsed = parseFlow(JSON.parse(text));
    if (!parsed.ok) throw new Error('flows/pizza-order.json does not load');
    const now = Date.now();
    await store.publishFlowVersion({
      flowId: 'pizza-order',
      hash: flowContentHash(parsed.flow),
      document: JSON.parse(canonicalFlowJson(parsed.flow)) as Record<string, unknown>,
      publishedAt: now,
    });
    for (const [i, phoneNumberId] of options.phoneNumbers.entries()) {
      await store.saveBot({
        id: i === 0 ? 'bot_default' : `bot_bench_${i + 1}`,
        name: i === 0 ? 'Default bot' : `Bench bot ${i + 1}`,
        phoneNumberId,
        flowId: 'pizza-order',
        flowVersion: 'latest',
        kind: 'production',
        health: { tokenValid: null },
        createdAt: now,
        updatedAt: now,
      });
    }
    const engine = createEngine({
      store,
      registry: createRegistry(builtinNodes),
      clock: { now: () => Date.now() },
      http: createSafeHttp({}),
      log: quiet,
    });
    const template = async (userId: string): Promise<CommitUnit> => {
      const { commit } = await engine.handle({
        type: 'user.message',
        key: { phoneNumberId: numberOfUser(userId, options.phoneNumbers), userId },
        contact: { waId: userId, name: 'Seed' },
        message: {
          type: 'text',
          id: `wamid.seed-${userId}`,
          timestamp: Date.now(),
          text: 'I would like to order a pizza',
        },
      });
      // Seeded conversations were answered long ago: nothing left to send.
      return { ...commit, outbox: [] };
    };
    let next = 0;
    const concurrency = options.concurrency ?? 16;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (;;) {
          const index = next++;
          if (index >= options.count) return;
          const unit = await template(`4900${String(index).padStart(8, '0')}`);
          const result = await store.commit(unit);
          if (!result.ok) throw new Error('seeding conflicted');
        }
      }),
    );
  } finally {
    await store.close();
  }
}
