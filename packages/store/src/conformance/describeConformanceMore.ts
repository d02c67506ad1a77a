import { describe, expect, it } from 'vitest';
import { DecryptError } from '../errors.js';
import type { ConformanceContext } from './describeStoreConformance.js';
import { testCipher } from './describeStoreConformance.js';
import {
  conversationId,
  makeContact,
  makeConversation,
  makeInbox,
  makeOutbox,
  makeTimer,
  makeTranscript,
  makeUnit,
} from './fixtures.js';

const DAY = 86_400_000;

/** The second half of the conformance suite: catalogue records, privacy, restart, encryption. */
export function describeConformanceMore(ctx: ConformanceContext): void {
  describe('flow versions', () => {
    it('numbers versions from 1 and returns the latest when the hash did not change', async () => {
      const v1 = await ctx.store.publishFlowVersion({
        flowId: 'f',
        hash: 'h1',
        document: { a: 1 },
        publishedAt: 1,
      });
      expect(v1.version).toBe(1);
      expect(
        (await ctx.store.publishFlowVersion({ flowId: 'f', hash: 'h1', document: { a: 1 }, publishedAt: 2 }))
          .version,
      ).toBe(1);
      const v2 = await ctx.store.publishFlowVersion({
        flowId: 'f',
        hash: 'h2',
        document: { a: 2 },
        publishedAt: 3,
        publishedBy: 'u1',
      });
      expect(v2).toEqual({
        flowId: 'f',
        version: 2,
        hash: 'h2',
        document: { a: 2 },
        publishedAt: 3,
        publishedBy: 'u1',
      });
      expect((await ctx.store.getFlowVersion('f', 1))?.document).toEqual({ a: 1 });
      expect((await ctx.store.getLatestFlowVersion('f'))?.version).toBe(2);
      expect((await ctx.store.listFlowVersions('f')).map((item) => item.version)).toEqual([1, 2]);
      // A reader may be handed a shared, frozen record: changing it must fail or stay its own.
      const read = await ctx.store.getLatestFlowVersion('f');
      try {
        (read!.document as { a: number }).a = 99;
      } catch (error) {
        expect(error).toBeInstanceOf(TypeError);
      }
      expect((await ctx.store.getLatestFlowVersion('f'))?.document).toEqual({ a: 2 });
      expect(await ctx.store.getFlowVersion('f', 3)).toBeNull();
      expect(await ctx.store.getLatestFlowVersion('other')).toBeNull();
      expect(await ctx.store.listFlowVersions('other')).toEqual([]);
    });

    it('gives concurrent publishes distinct numbers', async () => {
      const versions = await Promise.all(
        [1, 2, 3, 4].map((n) =>
          ctx.store.publishFlowVersion({ flowId: 'g', hash: `h${n}`, document: {}, publishedAt: n }),
        ),
      );
      expect(versions.map((item) => item.version).sort()).toEqual([1, 2, 3, 4]);
    });
  });

  describe('bots, users, sessions, tokens, audit', () => {
    const bot = {
      id: 'bot-1',
      name: 'Support',
      phoneNumberId: '1055',
      flowId: 'f',
      flowVersion: 'latest' as const,
      kind: 'production' as const,
      health: { tokenValid: null },
      createdAt: 1,
      updatedAt: 1,
    };

    it('saves, finds, updates and deletes bots', async () => {
      await ctx.store.saveBot(bot);
      await ctx.store.saveBot({ ...bot, id: 'bot-2', phoneNumberId: '2066' });
      await ctx.store.saveBot({ ...bot, name: 'Support 2' });
      expect((await ctx.store.getBot('bot-1'))?.name).toBe('Support 2');
      expect((await ctx.store.getBotByPhoneNumberId('2066'))?.id).toBe('bot-2');
      expect((await ctx.store.listBots()).map((item) => item.id).sort()).toEqual(['bot-1', 'bot-2']);
      await ctx.store.deleteBot('bot-2');
      expect(await ctx.store.getBot('bot-2')).toBeNull();
      expect(await ctx.store.getBotByPhoneNumberId('9999')).toBeNull();
    });

    it('keeps users, sessions, API tokens and the audit log', async () => {
      const user = {
        id: 'u1',
        email: 'Ada@Example.org',
        role: 'owner' as const,
        passwordHash: 'scrypt$x',
        createdAt: 1,
      };
      await ctx.store.saveUser(user);
      expect(await ctx.store.getUserByEmail('ada@example.org')).toEqual(user);
      expect(await ctx.store.getUser('u1')).toEqual(user);
      await ctx.store.saveUser({ ...user, role: 'editor' });
      expect((await ctx.store.listUsers()).map((item) => item.role)).toEqual(['editor']);
      expect(await ctx.store.getUserByEmail('nobody@example.org')).toBeNull();

      const session = { idHash: 's1', userId: 'u1', csrfToken: 'c', createdAt: 1, expiresAt: 10 };
      await ctx.store.saveSession(session);
      expect(await ctx.store.getSession('s1')).toEqual(session);
      await ctx.store.deleteSession('s1');
      expect(await ctx.store.getSession('s1')).toBeNull();

      const token = { id: 't1', name: 'ci', hash: 'sha-1', role: 'viewer' as const, createdAt: 1 };
      await ctx.store.saveApiToken(token);
      await ctx.store.saveApiToken({ ...token, lastUsedAt: 5 });
      expect(await ctx.store.getApiTokenByHash('sha-1')).toEqual({ ...token, lastUsedAt: 5 });
      expect(await ctx.store.listApiTokens()).toHaveLength(1);
      await ctx.store.deleteApiToken('t1');
      expect(await ctx.store.getApiTokenByHash('sha-1')).toBeNull();

      for (let i = 1; i <= 3; i += 1)
        await ctx.store.appendAudit({
          id: `a${i}`,
          at: i,
          actor: 'u1',
          action: 'flow.publish',
          details: { n: i },
        });
      expect((await ctx.store.listAudit()).map((entry) => entry.id)).toEqual(['a3', 'a2', 'a1']);
      expect((await ctx.store.listAudit({ limit: 1 })).map((entry) => entry.id)).toEqual(['a3']);
    });
  });

  describe('conversations, contacts and transcripts', () => {
    it('lists with filters, newest first, with a total for paging', async () => {
      await ctx.store.commit(
        makeUnit(makeConversation('111', { updatedAt: 3 }), {
          contact: makeContact('111', { name: 'Amara' }),
        }),
      );
      await ctx.store.commit(makeUnit(makeConversation('222', { updatedAt: 2, status: 'handoff' })));
      await ctx.store.commit(makeUnit(makeConversation('333', { updatedAt: 1, botId: 'bot-2' })));
      const all = await ctx.store.listConversations({});
      expect(all.total).toBe(3);
      expect(all.items.map((item) => item.userId)).toEqual(['111', '222', '333']);
      expect(
        (await ctx.store.listConversations({ botId: 'bot-2' })).items.map((item) => item.userId),
      ).toEqual(['333']);
      expect(
        (await ctx.store.listConversations({ status: 'handoff' })).items.map((item) => item.userId),
      ).toEqual(['222']);
      expect(
        (await ctx.store.listConversations({ contact: 'amar' })).items.map((item) => item.userId),
      ).toEqual(['111']);
      expect((await ctx.store.listConversations({ contact: '33' })).items.map((item) => item.userId)).toEqual(
        ['333'],
      );
      const page = await ctx.store.listConversations({ limit: 1, offset: 1 });
      expect(page).toMatchObject({ total: 3 });
      expect(page.items.map((item) => item.userId)).toEqual(['222']);
    });

    it('upserts contacts', async () => {
      await ctx.store.upsertContact(makeContact('444'));
      await ctx.store.upsertContact(makeContact('444', { optedOut: true }));
      expect((await ctx.store.getContact(conversationId('444')))?.optedOut).toBe(true);
      expect(await ctx.store.getContact(conversationId('555'))).toBeNull();
    });

    it('keeps every transcript entry in order, past the in-document bound, with afterAt and limit', async () => {
      await ctx.store.commit(makeUnit(makeConversation('666')));
      for (let batch = 0; batch < 5; batch += 1) {
        await ctx.store.appendTranscript(
          Array.from({ length: 60 }, (_, i) =>
            makeTranscript('666', `t${batch * 60 + i}`, 10_000 + batch * 60 + i, `m${i}`),
          ),
        );
      }
      const all = await ctx.store.listTranscript(conversationId('666'));
      expect(all).toHaveLength(300);
      expect(all.map((entry) => entry.id)).toEqual(Array.from({ length: 300 }, (_, i) => `t${i}`));
      expect(
        (await ctx.store.listTranscript(conversationId('666'), { afterAt: 10_000 + 289 })).map(
          (entry) => entry.id,
        ),
      ).toEqual(Array.from({ length: 10 }, (_, i) => `t${290 + i}`));
      expect(await ctx.store.listTranscript(conversationId('666'), { limit: 2 })).toHaveLength(2);
      expect(await ctx.store.listTranscript(conversationId('nobody'))).toEqual([]);
    });
  });

  describe('privacy', () => {
    async function seedContact(userId: string, at = 1_000): Promise<void> {
      await ctx.store.commit(
        makeUnit(makeConversation(userId, { updatedAt: at, startedAt: at, lastUserMessageAt: at }), {
          contact: makeContact(userId, { firstSeenAt: at, lastUserMessageAt: at }),
          outbox: [
            makeOutbox(userId, `${userId}-o1`, 1, 'Your order ships', {
              status: 'delivered',
              wamid: `wamid.${userId}`,
              updatedAt: at,
            }),
          ],
          transcript: [makeTranscript(userId, `${userId}-t1`, at, 'Where is my order')],
          inboxDone: [`${userId}-in1`],
        }),
      );
    }

    it('exports everything about a contact', async () => {
      await seedContact('31699');
      await ctx.store.commit(
        makeUnit(makeConversation('31699', { revision: 2 }), {
          timersSet: [makeTimer('31699', 'tm', 5_000)],
        }),
      );
      const bundle = await ctx.store.exportContact(conversationId('31699'));
      expect(bundle?.contact.waId).toBe('31699');
      expect(bundle?.conversations.map((item) => item.revision)).toEqual([2]);
      expect(bundle?.transcripts.map((entry) => entry.id)).toEqual(['31699-t1']);
      expect(bundle?.outbox.map((row) => row.id)).toEqual(['31699-o1']);
      expect(bundle?.timers.map((timer) => timer.id)).toEqual(['tm']);
      expect(await ctx.store.exportContact(conversationId('nobody'))).toBeNull();
    });

    it('erases a contact with no trace of its number or name left in storage', async () => {
      const userId = '31687654321';
      await seedContact(userId);
      await seedContact('31600000007');
      await ctx.store.appendInbox([makeInbox(userId, 'wamid.pending', 'are you there')]);
      expect(await ctx.harness.dump()).toContain(userId);
      expect(await ctx.store.eraseContact(conversationId(userId))).toEqual({ erased: true });
      expect(await ctx.store.getConversation(conversationId(userId))).toBeNull();
      expect(await ctx.store.getContact(conversationId(userId))).toBeNull();
      expect(await ctx.store.listTranscript(conversationId(userId))).toEqual([]);
      expect(await ctx.store.findOutboxByWamid(`wamid.${userId}`)).toBeNull();
      expect(await ctx.store.claimInbox('w', 1_000, 2_000, 10)).toEqual([]);
      const dump = await ctx.harness.dump();
      expect(dump).not.toContain(userId);
      expect(dump).toContain('31600000007');
      expect(await ctx.store.eraseContact(conversationId('nobody'))).toEqual({ erased: false });
    });

    it('purges by retention: idle conversations whole, old items of live ones', async () => {
      await seedContact('old', 1_000);
      await seedContact('live', 1_000);
      await ctx.store.commit(
        makeUnit(makeConversation('live', { revision: 2, updatedAt: 40 * DAY }), {
          transcript: [makeTranscript('live', 'live-t2', 40 * DAY, 'still here')],
          outbox: [makeOutbox('live', 'live-o2', 2, 'queued', { updatedAt: 1_000 })],
        }),
      );
      await ctx.store.appendInbox([makeInbox('gone', 'old-status', 'x', 1_000)]);
      await ctx.store.markInboxDone(['old-status']);
      const report = await ctx.store.purgeOlderThan(31 * DAY);
      expect(report).toMatchObject({ conversations: 1, contacts: 1, transcriptEntries: 2, outboxRows: 2 });
      expect(report.inboxRows).toBeGreaterThanOrEqual(2);
      expect(await ctx.store.getConversation(conversationId('old'))).toBeNull();
      expect(await ctx.store.getContact(conversationId('old'))).toBeNull();
      expect((await ctx.store.listTranscript(conversationId('live'))).map((entry) => entry.id)).toEqual([
        'live-t2',
      ]);
      expect((await ctx.store.listOutbox(conversationId('live'))).map((row) => row.id)).toEqual(['live-o2']);
      // Dedupe keys age out with the rows they protected.
      expect(
        await ctx.store.appendInbox([
          makeInbox('old', 'old-in1', 'again'),
          makeInbox('gone', 'old-status', 'x'),
        ]),
      ).toEqual(['old-in1', 'old-status']);
      expect(await ctx.store.purgeOlderThan(31 * DAY)).toMatchObject({
        conversations: 0,
        transcriptEntries: 0,
        outboxRows: 0,
      });
    });
  });

  describe('restart', () => {
    it('brings everything back after close and reopen, indexes included', async () => {
      await ctx.store.commit(
        makeUnit(makeConversation('r1'), {
          contact: makeContact('r1'),
          outbox: [makeOutbox('r1', 'ro1', 1, 'hello'), makeOutbox('r1', 'ro2', 2, 'again')],
          transcript: [makeTranscript('r1', 'rt1', 1_000, 'hi')],
          timersSet: [makeTimer('r1', 'rtm', 7_000)],
          inboxDone: ['rin0'],
        }),
      );
      await ctx.store.updateOutbox('ro1', { status: 'sent', wamid: 'wamid.ro1' });
      await ctx.store.appendInbox([makeInbox('r1', 'rin1', 'first'), makeInbox('r2', 'rin2', 'second')]);
      await ctx.store.publishFlowVersion({ flowId: 'f', hash: 'h', document: {}, publishedAt: 1 });
      await ctx.store.close();
      ctx.store = await ctx.harness.open();
      expect(await ctx.store.getConversation(conversationId('r1'))).toEqual(makeConversation('r1'));
      expect(await ctx.store.getContact(conversationId('r1'))).toEqual(makeContact('r1'));
      expect((await ctx.store.findOutboxByWamid('wamid.ro1'))?.id).toBe('ro1');
      expect((await ctx.store.claimOutbox('d', 2_000, 3_000, 10)).map((row) => row.id)).toEqual(['ro2']);
      expect(await ctx.store.nextTimerDueAt()).toBe(7_000);
      expect((await ctx.store.claimInbox('w', 2_000, 3_000, 10)).map((row) => row.id)).toEqual([
        'rin1',
        'rin2',
      ]);
      expect(
        await ctx.store.appendInbox([makeInbox('r1', 'rin0', 'dup'), makeInbox('r1', 'rin1', 'dup')]),
      ).toEqual([]);
      expect((await ctx.store.getLatestFlowVersion('f'))?.version).toBe(1);
      expect(await ctx.store.countConversations()).toBe(1);
    });
  });

  describe('encryption at rest', () => {
    const secrets = [
      'snapshot-platypus',
      'vars-durian',
      'Contact Quetzal',
      'inbound-kumquat',
      'outbound-axolotl',
      'transcript-pangolin',
    ];

    async function writeSecrets(): Promise<void> {
      await ctx.store.appendInbox([makeInbox('e1', 'ein1', 'inbound-kumquat')]);
      await ctx.store.commit(
        makeUnit(makeConversation('e1'), {
          contact: makeContact('e1'),
          outbox: [makeOutbox('e1', 'eo1', 1, 'outbound-axolotl')],
          transcript: [makeTranscript('e1', 'et1', 1_000, 'transcript-pangolin')],
        }),
      );
    }

    it('stores message text in the clear without a key (the grep below can fail)', async () => {
      await writeSecrets();
      const dump = await ctx.harness.dump();
      for (const secret of secrets) expect(dump).toContain(secret);
    });

    it('keeps no message text, variables or names in storage when the key is set', async () => {
      const cipher = testCipher();
      await ctx.store.close();
      ctx.store = await ctx.harness.open({ cipher, contentEncryption: true });
      await writeSecrets();
      const dump = await ctx.harness.dump();
      for (const secret of secrets) expect(dump).not.toContain(secret);
      expect((await ctx.store.getConversation(conversationId('e1')))?.vars).toEqual({
        favouriteFruit: 'vars-durian',
      });
      expect((await ctx.store.getContact(conversationId('e1')))?.name).toBe('Contact Quetzal');
      expect((await ctx.store.listTranscript(conversationId('e1')))[0]?.inbound).toMatchObject({
        text: 'transcript-pangolin',
      });
      const [claimed] = await ctx.store.claimOutbox('d', 2_000, 3_000, 10);
      expect(claimed?.message).toEqual({ type: 'text', text: 'outbound-axolotl' });
      await ctx.store.close();
      ctx.store = await ctx.harness.open({ cipher, contentEncryption: true });
      const [inbound] = await ctx.store.claimInbox('w', 2_000, 3_000, 10);
      expect(inbound?.event).toMatchObject({ message: { text: 'inbound-kumquat' } });
    });

    it('refuses to read content with the wrong key', async () => {
      await ctx.store.close();
      ctx.store = await ctx.harness.open({ cipher: testCipher('k1'), contentEncryption: true });
      await ctx.store.commit(makeUnit(makeConversation('e2')));
      await ctx.store.close();
      // A store may fail at init (it opens documents to index them) or on the first read; never with plaintext.
      const outcome = await ctx.harness
        .open({ cipher: testCipher('k1'), contentEncryption: true })
        .then(async (store) => {
          ctx.store = store;
          return store.getConversation(conversationId('e2'));
        })
        .catch((error: unknown) => error);
      expect(outcome).toBeInstanceOf(DecryptError);
    });
  });
}
