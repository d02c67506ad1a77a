import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeStoreConformance, testCipher } from '../conformance/describeStoreConformance.js';
import {
  conversationId,
  makeConversation,
  makeInbox,
  makeOutbox,
  makeTranscript,
  makeUnit,
} from '../conformance/fixtures.js';
import { DecryptError } from '../errors.js';
import type { Store } from '../Store.js';
import { conversationPath } from './conversationDocument.js';
import { lowdbHarness } from './lowdbHarness.js';

describeStoreConformance('lowdb', () => lowdbHarness());

/** The document journal's records, all segments. */
async function journalText(dataDir: string): Promise<string> {
  const dir = join(dataDir, 'journal');
  const names = (await readdir(dir)).sort();
  const parts = await Promise.all(names.map((name) => readFile(join(dir, name), 'utf8')));
  return parts.join('');
}

describe('lowdb store specifics', () => {
  let harness: Awaited<ReturnType<typeof lowdbHarness>>;
  let store: Store;
  const cipher = testCipher();
  beforeEach(async () => {
    harness = await lowdbHarness({ fsync: true });
    store = await harness.open({ cipher, contentEncryption: true });
  });
  afterEach(async () => {
    await store.close();
    await harness.destroy();
  });

  it('names files by hash: attacker-controlled ids never become paths', async () => {
    const userId = '../../etc/passwd:ü\u0000';
    await store.commit(makeUnit(makeConversation(userId)));
    expect(await store.getConversation(conversationId(userId))).toMatchObject({ userId });
    await store.close();
    store = await harness.open({ cipher, contentEncryption: true });
    const names = (await readdir(join(harness.dataDir, 'conversations'), { recursive: true })).join('\n');
    expect(names).not.toContain('passwd');
    expect(names).toMatch(/^[0-9a-f]{2}\/[0-9a-f]{40}\.json$/m);
  });

  it('refuses a tampered document and a ciphertext moved from another conversation', async () => {
    await store.commit(makeUnit(makeConversation('a')));
    await store.commit(makeUnit(makeConversation('b')));
    await store.close();
    const pathA = conversationPath(harness.dataDir, conversationId('a'));
    const pathB = conversationPath(harness.dataDir, conversationId('b'));
    const docA = JSON.parse(await readFile(pathA, 'utf8'));
    const docB = JSON.parse(await readFile(pathB, 'utf8'));
    docB.conversation.$content = docA.conversation.$content;
    await writeFile(pathB, JSON.stringify(docB));
    // Started from the shutdown index snapshot: the document is checked when it is read.
    store = await harness.open({ cipher, contentEncryption: true });
    await expect(store.getConversation(conversationId('b'))).rejects.toBeInstanceOf(DecryptError);
    await store.close();
    // Without the snapshot (it is consumed by each start, and a crash leaves none) the scan refuses at once.
    await rm(join(harness.dataDir, 'index.snapshot.json'));
    await expect(harness.open({ cipher, contentEncryption: true })).rejects.toBeInstanceOf(DecryptError);

    docB.conversation.$content = {
      $sealed: docA.conversation.$content.$sealed.replace(/.$/, (c: string) => (c === 'A' ? 'B' : 'A')),
    };
    await writeFile(pathB, JSON.stringify(docB));
    await expect(harness.open({ cipher, contentEncryption: true })).rejects.toMatchObject({
      code: 'crypto.decrypt_failed',
    });
    store = await harness.open({ cipher, contentEncryption: true }).catch(() => store);
  });

  it('makes concurrent webhook appends durable with far fewer writes than appends', async () => {
    const ids = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        store.appendInbox([makeInbox(`u${i % 20}`, `wamid.${i}`, `text ${i}`)]),
      ),
    );
    expect(ids.flat()).toHaveLength(200);
    const journal = await readFile(join(harness.dataDir, 'inbox.ndjson'), 'utf8');
    expect(journal.trim().split('\n').length).toBeGreaterThanOrEqual(200);
    expect(journal).not.toContain('text 1');
    const claimed = await store.claimInbox('w', Date.now(), Date.now() + 1_000, 500);
    expect(claimed).toHaveLength(200);
  });

  it('journals a commit as one small record and writes documents back merged, once per document', async () => {
    for (let i = 0; i < 30; i += 1)
      await store.commit(
        makeUnit(makeConversation(`n${i}`), { outbox: [makeOutbox(`n${i}`, `o${i}`, 1, 'x')] }),
      );
    await store.close();
    store = await harness.open({ cipher, contentEncryption: true });
    const documents = (await readdir(join(harness.dataDir, 'conversations'), { recursive: true })).filter(
      (name) => name.endsWith('.json'),
    );
    expect(documents).toHaveLength(30);
    // Reopening wrote everything back: the journal is one empty segment.
    expect(await journalText(harness.dataDir)).toBe('');
    for (let revision = 2; revision <= 21; revision += 1)
      await store.commit(makeUnit(makeConversation('n0', { revision }), { expectedRevision: revision - 1 }));
    const lines = (await journalText(harness.dataDir)).trim().split('\n');
    expect(lines).toHaveLength(20);
    for (const line of lines) expect(line.length).toBeLessThan(2_500);
    await store.close();
    store = await harness.open({ cipher, contentEncryption: true });
    expect((await store.getConversation(conversationId('n0')))?.revision).toBe(21);
    const size = (await readFile(conversationPath(harness.dataDir, conversationId('n0')), 'utf8')).length;
    expect(size).toBeLessThan(4_000);
  });

  it('journals an entry id given again with an outbox update not at all', async () => {
    await store.commit(makeUnit(makeConversation('t'), { outbox: [makeOutbox('t', 't1', 1, 'x')] }));
    await store.appendTranscript([makeTranscript('t', 'said-sent', 2_000, 'sent')]);
    await store.updateOutbox('t1', { deliveryStatus: 'sent', wamid: 'wamid.t1' }, [
      makeTranscript('t', 'said-sent', 2_001, 'sent'),
    ]);
    expect((await journalText(harness.dataDir)).split('"said-sent"')).toHaveLength(2);
  });

  it('journals a claim and its outcomes without sealing the message again', async () => {
    await store.commit(
      makeUnit(makeConversation('c'), { outbox: [makeOutbox('c', 'c1', 1, 'secret words')] }),
    );
    await store.claimOutbox('d1', 2_000, 3_000, 10);
    await store.updateOutbox('c1', { deliveryStatus: 'sent', wamid: 'wamid.c1', attempts: 1 });
    await store.updateOutbox('c1', { deliveryStatus: 'read' });
    const records = (await journalText(harness.dataDir))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line.slice(9)) as { op?: { id: string; set: Record<string, unknown> }[] });
    const patches = records.flatMap((record) => record.op ?? []).filter((patch) => patch.id === 'c1');
    expect(patches.map((patch) => patch.set.status)).toEqual(['sending', 'sent', 'read']);
    expect(patches.filter((patch) => '$content' in patch.set)).toEqual([]);
    // A failure's error is sealed content: that patch carries a new ciphertext.
    await store.updateOutbox('c1', { lastError: { code: 131000, message: 'secret error' } });
    await store.close();
    store = await harness.open({ cipher, contentEncryption: true });
    expect(await store.getOutbox('c1')).toMatchObject({
      status: 'read',
      message: { type: 'text', text: 'secret words' },
      lastError: { code: 131000, message: 'secret error' },
    });
  });

  it('journals a reply claimed with its commit in the commit’s one record, and keeps it apart from the caller', async () => {
    const row = makeOutbox('q', 'q1', 1, 'claimed words');
    const result = await store.commit(makeUnit(makeConversation('q'), { outbox: [row] }), {
      claimFor: { owner: 'd1', leaseUntil: 3_000 },
    });
    const lines = (await journalText(harness.dataDir)).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('"leaseOwner":"d1"');
    expect(lines[0]).not.toContain('claimed words'); // sealed, as any row
    // The returned row is the caller's own: changing it changes nothing stored.
    const claimed = result.ok ? result.claimed?.[0] : undefined;
    if (claimed?.message.type !== 'text') throw new Error('no claimed text row');
    claimed.message.text = 'changed by the caller';
    expect((await store.getOutbox('q1'))?.message).toEqual({ type: 'text', text: 'claimed words' });
  });

  it('keeps acknowledged commits when writing documents back fails, and writes them once it works', async () => {
    await store.commit(makeUnit(makeConversation('w')));
    await store.close();
    store = await harness.open({ cipher, contentEncryption: true });
    const path = conversationPath(harness.dataDir, conversationId('w'));
    const folder = join(path, '..');
    const saved = await readFile(path, 'utf8');
    expect((await store.getConversation(conversationId('w')))?.revision).toBe(1);
    // A file where the folder should be: every write-back below it fails, even for root.
    await rm(folder, { recursive: true });
    await writeFile(folder, 'not a folder');
    expect(await store.commit(makeUnit(makeConversation('w', { revision: 2 })))).toEqual({ ok: true });
    expect((await store.getConversation(conversationId('w')))?.revision).toBe(2);
    // Closing reports the failed write-back (and still releases the folder).
    await expect(store.close()).rejects.toMatchObject({ code: expect.stringMatching(/^(ENOTDIR|EEXIST)$/) });
    await rm(folder);
    await mkdir(folder);
    await writeFile(path, saved);
    // The journal still holds the commit: replay brings it back, and the write-back now succeeds.
    store = await harness.open({ cipher, contentEncryption: true });
    expect((await store.getConversation(conversationId('w')))?.revision).toBe(2);
    expect(await store.commit(makeUnit(makeConversation('w', { revision: 3 })))).toEqual({ ok: true });
    await store.close();
    expect(JSON.parse(await readFile(path, 'utf8')).lsn).toBeGreaterThan(0);
    store = await harness.open({ cipher, contentEncryption: true });
    expect((await store.getConversation(conversationId('w')))?.revision).toBe(3);
  });

  it('starts from the index snapshot written at shutdown; claims made before it stay leased', async () => {
    await store.commit(
      makeUnit(makeConversation('s1'), {
        outbox: [makeOutbox('s1', 'so1', 1, 'one'), makeOutbox('s1', 'so2', 2, 'two')],
      }),
    );
    await store.updateOutbox('so1', { status: 'sent', wamid: 'wamid.so1' });
    expect((await store.claimOutbox('d', 2_000, 3_000, 10)).map((row) => row.id)).toEqual(['so2']);
    await store.close();
    const snapshot = await readFile(join(harness.dataDir, 'index.snapshot.json'), 'utf8');
    // It holds user ids and names: sealed like the documents.
    expect(snapshot).not.toContain('wamid.so1');
    expect(snapshot).not.toContain(conversationId('s1'));
    store = await harness.open({ cipher, contentEncryption: true });
    await expect(readFile(join(harness.dataDir, 'index.snapshot.json'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
    expect(await store.countConversations()).toBe(1);
    expect((await store.findOutboxByWamid('wamid.so1'))?.id).toBe('so1');
    // The claim is durable: the row may have been sent, so it waits for its lease to expire.
    expect((await store.getOutbox('so2'))?.status).toBe('sending');
    expect(await store.claimOutbox('d', 2_000, 3_000, 10)).toEqual([]);
    expect(await store.recoverExpiredOutbox(3_000)).toBe(1);
    expect((await store.claimOutbox('d', 3_000, 4_000, 10)).map((row) => row.id)).toEqual(['so2']);
    expect(await store.listConversations({ contact: 's1' })).toMatchObject({ total: 1 });
  });

  it('refuses to open encrypted data without the key', async () => {
    await store.commit(makeUnit(makeConversation('k')));
    await store.close();
    await expect(harness.open({ contentEncryption: false })).rejects.toThrow(/DATA_ENCRYPTION_KEY/);
    store = await harness.open({ cipher, contentEncryption: true });
    expect(await store.countConversations()).toBe(1);
    expect(DecryptError).toBeDefined();
  });
});

describe('lowdb inbox journal compaction', () => {
  it('loses no pending row when compaction runs while appends are in flight', async () => {
    const harness = await lowdbHarness({ fsync: false });
    let store = await harness.open();
    try {
      const done: string[] = [];
      const pending: string[] = [];
      const work: Promise<unknown>[] = [];
      for (let i = 0; i < 1_500; i += 1) {
        const id = `wamid.c${i}`;
        const append = store.appendInbox([makeInbox(`u${i % 50}`, id, 'x')]);
        if (i % 5 === 0) {
          pending.push(id);
          work.push(append);
        } else {
          done.push(id);
          // Marking done triggers compactions while later appends are still being written.
          work.push(append.then(() => store.markInboxDone([id])));
        }
      }
      await Promise.all(work);
      // A compaction ran: the rows of most done ids are gone from the file.
      const rows = (await readFile(join(harness.dataDir, 'inbox.ndjson'), 'utf8'))
        .split('\n')
        .filter((line) => line.startsWith('{"t":"row"'));
      expect(rows.length).toBeLessThan(1_000);
      await store.close();
      store = await harness.open();
      const claimed = await store.claimInbox('w', Date.now(), Date.now() + 60_000, 5_000);
      expect(claimed.map((row) => row.id).sort()).toEqual([...pending].sort());
      expect(await store.appendInbox(done.slice(0, 100).map((id) => makeInbox('u1', id, 'again')))).toEqual(
        [],
      );
    } finally {
      await store.close();
      await harness.destroy();
    }
  });
});

describe('lowdb documents of chatty conversations', () => {
  it('stay small: old dedupe hashes move to the journal and still deduplicate after a restart', async () => {
    const harness = await lowdbHarness({ fsync: false });
    let store = await harness.open();
    try {
      await store.commit(makeUnit(makeConversation('chatty')));
      for (let revision = 2; revision <= 451; revision += 1) {
        const id = `wamid.chatty.${revision}`;
        await store.appendInbox([makeInbox('chatty', id, 'hi')]);
        const result = await store.commit(
          makeUnit(makeConversation('chatty', { revision }), { inboxDone: [id] }),
        );
        expect(result.ok).toBe(true);
      }
      await store.close();
      const doc = JSON.parse(
        await readFile(conversationPath(harness.dataDir, conversationId('chatty')), 'utf8'),
      );
      expect(doc.inboxDone.length).toBeLessThanOrEqual(200);
      store = await harness.open();
      const again = Array.from({ length: 450 }, (_, i) =>
        makeInbox('chatty', `wamid.chatty.${i + 2}`, 'again'),
      );
      expect(await store.appendInbox(again)).toEqual([]);
      expect(await store.claimInbox('w', 0, 1, 10)).toEqual([]);
    } finally {
      await store.close();
      await harness.destroy();
    }
  });
});
