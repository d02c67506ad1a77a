import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conversationId, makeInbox } from '../conformance/fixtures.js';
import { lowdbHarness } from './lowdbHarness.js';

/**
 * The reference: claims as the lowdb store made them before its ready/expiry heaps, by scanning
 * every conversation with pending rows (oldest first free row first, one owner per conversation).
 */
class ScanModel {
  #arrival = 0;
  readonly rows: { id: string; conversationId: string; arrival: number }[] = [];
  readonly rowLeases = new Map<string, { owner: string; until: number }>();
  readonly conversationLeases = new Map<string, { owner: string; until: number }>();

  /** Ids appended once: a later duplicate (even of a row done since) is dropped (dedupe). */
  readonly #seen = new Set<string>();

  append(id: string, user: string): void {
    if (this.#seen.has(id)) return;
    this.#seen.add(id);
    this.rows.push({ id, conversationId: conversationId(user), arrival: (this.#arrival += 1) });
  }

  claim(owner: string, now: number, leaseUntil: number, limit: number): string[] {
    const free = (row: { id: string }) => (this.rowLeases.get(row.id)?.until ?? 0) <= now;
    const candidates: { conversationId: string; first: number }[] = [];
    for (const id of new Set(this.rows.map((row) => row.conversationId))) {
      const lease = this.conversationLeases.get(id);
      if (lease && lease.owner !== owner && lease.until > now) continue;
      const first = this.rows.find((row) => row.conversationId === id && free(row));
      if (first) candidates.push({ conversationId: id, first: first.arrival });
    }
    candidates.sort((a, b) => a.first - b.first);
    const claimed: string[] = [];
    for (const { conversationId: id } of candidates) {
      if (claimed.length >= limit) break;
      this.conversationLeases.set(id, { owner, until: leaseUntil });
      for (const row of this.rows.filter((candidate) => candidate.conversationId === id)) {
        if (claimed.length >= limit) break;
        if (!free(row)) continue;
        this.rowLeases.set(row.id, { owner, until: leaseUntil });
        claimed.push(row.id);
      }
    }
    return claimed;
  }

  renew(owner: string, ids: string[], leaseUntil: number): string[] {
    const renewed: string[] = [];
    for (const id of ids) {
      const lease = this.conversationLeases.get(id);
      if (lease?.owner !== owner) continue;
      lease.until = Math.max(lease.until, leaseUntil);
      for (const row of this.rows.filter((candidate) => candidate.conversationId === id)) {
        const rowLease = this.rowLeases.get(row.id);
        if (rowLease?.owner === owner) rowLease.until = Math.max(rowLease.until, leaseUntil);
      }
      renewed.push(id);
    }
    return renewed;
  }

  release(owner: string, ids?: string[]): void {
    for (const row of this.rows) {
      if (this.rowLeases.get(row.id)?.owner === owner && (!ids || ids.includes(row.conversationId)))
        this.rowLeases.delete(row.id);
    }
    for (const [id, lease] of this.conversationLeases) {
      if (lease.owner === owner && (!ids || ids.includes(id))) this.conversationLeases.delete(id);
    }
  }

  done(ids: string[]): void {
    for (const id of ids) {
      const index = this.rows.findIndex((row) => row.id === id);
      if (index >= 0) this.rows.splice(index, 1);
      this.rowLeases.delete(id);
    }
  }
}

const user = fc.constantFrom('31650', '31651', '31652', '31653');
const owner = fc.constantFrom('A', 'B');
const op = fc.oneof(
  {
    arbitrary: fc.record({ t: fc.constant('append' as const), id: fc.integer({ min: 1, max: 60 }), user }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      t: fc.constant('claim' as const),
      owner,
      lease: fc.integer({ min: 1, max: 40 }),
      limit: fc.integer({ min: 1, max: 4 }),
    }),
    weight: 3,
  },
  fc.record({
    t: fc.constant('renew' as const),
    owner,
    users: fc.subarray(['31650', '31651', '31652', '31653']),
    lease: fc.integer({ min: 1, max: 40 }),
  }),
  fc.record({
    t: fc.constant('release' as const),
    owner,
    users: fc.option(fc.subarray(['31650', '31651', '31652', '31653']), { nil: undefined }),
  }),
  fc.record({ t: fc.constant('done' as const), pick: fc.nat() }),
  fc.record({ t: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 30 }) }),
);

describe('lowdb inbox claims (heaps)', () => {
  it('claim, renew, release and done as the scanning claim did', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops) => {
        const harness = await lowdbHarness({ fsync: false });
        const store = await harness.open();
        const model = new ScanModel();
        let now = 1_000;
        try {
          for (const step of ops) {
            if (step.t === 'append') {
              await store.appendInbox([makeInbox(step.user, `w${step.id}`, 'hi')]);
              model.append(`w${step.id}`, step.user);
            } else if (step.t === 'claim') {
              const got = await store.claimInbox(step.owner, now, now + step.lease, step.limit);
              expect(got.map((row) => row.id)).toEqual(
                model.claim(step.owner, now, now + step.lease, step.limit),
              );
            } else if (step.t === 'renew') {
              const ids = step.users.map((u) => conversationId(u));
              expect(await store.renewInboxClaims(step.owner, ids, now + step.lease)).toEqual(
                model.renew(step.owner, ids, now + step.lease),
              );
            } else if (step.t === 'release') {
              const ids = step.users?.map((u) => conversationId(u));
              await store.releaseInboxClaims(step.owner, ids);
              model.release(step.owner, ids);
            } else if (step.t === 'done') {
              const row = model.rows[step.pick % Math.max(1, model.rows.length)];
              if (!row) continue;
              await store.markInboxDone([row.id]);
              model.done([row.id]);
            } else now += step.ms;
          }
        } finally {
          await store.close();
          await harness.destroy();
        }
      }),
      // Each run opens a store (its file threads included): ~130 ms, so 400 runs took 52 s of a
      // 60 s budget in CI and once ran out of it on a busy machine.
      { numRuns: 250 },
    );
  }, 150_000);
});
