import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { canonicalFlowJson, flowContentHash, type FlowDocument } from '@parley/flow';
import type { Simulator, SimulatedUserMessage } from '@parley/simulator';
import type { Store } from '@parley/store';
import type { PreviewEvents, PreviewInput, PreviewService } from '../http/services.js';
import { pushPreviewEvent, type PreviewSession } from './previewSession.js';
import { mergePreviewTest, PREVIEW_CONTACT_NAME, previewToTestFile } from './previewTestFile.js';

export interface PreviewServiceOptions {
  store: Store;
  simulator: Simulator;
  /** Business numbers the simulator hosts for previews; one per live session. */
  phoneNumberIds: string[];
  flowsDir: string;
  clock: { now(): number };
  /** Wake the inbox worker (statuses flow through the webhook anyway). */
  log: { warn(obj: object, msg: string): void };
}

/** The test file on disk, parsed; undefined when there is none yet; null when it is not JSON. */
async function readTestFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

const MID_FLOW_MESSAGE =
  'This preview started from a chosen step, but saved tests always start at the beginning of the flow. Restart the preview from the start, then save it as a test.';

/** Saving a preview as a test is not possible (the file is left as it was). */
export class PreviewSaveError extends Error {
  constructor(
    readonly code: 'preview.test_file_unreadable' | 'preview.started_mid_flow',
    message: string,
  ) {
    super(message);
    this.name = 'PreviewSaveError';
  }
}

const previewFlowId = (phoneNumberId: string) => `preview-${phoneNumberId}`;

/**
 * The builder's live chat. Each session borrows a preview number, publishes the draft as that
 * number's flow, and talks to it through the simulator — the same webhook path as production.
 */
export function createPreviewService(options: PreviewServiceOptions): PreviewService & { close(): void } {
  const { store, simulator, clock } = options;
  const sessions = new Map<string, PreviewSession>();
  const byNumber = new Map<string, PreviewSession>();

  const unsubscribe = simulator.onActivity((activity) => {
    const session =
      activity.kind === 'bot'
        ? byNumber.get(activity.message.phoneNumberId)
        : [...byNumber.values()].find((s) => s.userId === activity.userId);
    if (!session) return;
    if (activity.kind === 'bot') {
      const { message } = activity;
      if (message.userId !== session.userId) return;
      void describeBotMessage(message.callbackData).then((described) =>
        pushPreviewEvent(session, {
          kind: 'bot',
          at: message.at,
          wamid: message.wamid,
          message: described?.message ?? message.payload,
          nodeId: described?.nodeId,
        }),
      );
    } else if (activity.kind === 'status') {
      pushPreviewEvent(session, {
        kind: 'status',
        at: clock.now(),
        wamid: activity.wamid,
        status: activity.status,
      });
    } else if (activity.kind === 'typing') {
      pushPreviewEvent(session, { kind: 'typing', at: clock.now(), wamid: activity.wamid });
    }
  });

  async function describeBotMessage(outboxId: string | undefined) {
    if (!outboxId) return null;
    const row = await store.getOutbox(outboxId).catch(() => null);
    return row ? { message: row.message, nodeId: row.nodeId } : null;
  }

  function allocateNumber(): string {
    const free = options.phoneNumberIds.find((n) => !byNumber.has(n));
    if (free) return free;
    // Every number is busy: the least recently used session gives its number up.
    const oldest = [...byNumber.values()].sort((a, b) => a.lastUsedAt - b.lastUsedAt)[0]!;
    sessions.delete(oldest.id);
    byNumber.delete(oldest.phoneNumberId);
    return oldest.phoneNumberId;
  }

  /** The draft as the preview number's flow; "start from node" re-points the start node at it. */
  function previewDocument(flow: FlowDocument, flowId: string, startNodeId?: string): FlowDocument {
    const doc: FlowDocument = structuredClone({ ...flow, id: flowId });
    if (!startNodeId || !doc.nodes.some((n) => n.id === startNodeId)) return doc;
    const triggerIds = new Set(doc.nodes.filter((n) => n.type === 'start').map((n) => n.id));
    doc.edges = doc.edges.filter((e) => !triggerIds.has(e.source));
    for (const id of triggerIds) {
      doc.edges.push({ id: `preview-start-${id}`, source: id, sourceHandle: 'next', target: startNodeId });
    }
    for (const node of doc.nodes) if (triggerIds.has(node.id)) node.data = { ...node.data, mode: 'any' };
    return doc;
  }

  async function bindDraft(phoneNumberId: string, flow: FlowDocument, startNodeId?: string) {
    const flowId = previewFlowId(phoneNumberId);
    const document = previewDocument(flow, flowId, startNodeId);
    const now = clock.now();
    await store.publishFlowVersion({
      flowId,
      hash: flowContentHash(document),
      document: JSON.parse(canonicalFlowJson(document)) as Record<string, unknown>,
      publishedAt: now,
      publishedBy: 'preview',
    });
    const existing = await store.getBotByPhoneNumberId(phoneNumberId);
    await store.saveBot({
      id: existing?.id ?? `bot_preview_${phoneNumberId}`,
      name: 'Preview',
      phoneNumberId,
      flowId,
      flowVersion: 'latest',
      kind: 'preview',
      health: { tokenValid: true },
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    });
  }

  const newUserId = () => `1555${String(randomBytes(4).readUInt32BE()).padStart(10, '0').slice(0, 8)}`;

  function touch(sessionId: string): PreviewSession | null {
    const session = sessions.get(sessionId);
    if (!session) return null;
    session.lastUsedAt = clock.now();
    return session;
  }

  function toSimulated(input: PreviewInput): SimulatedUserMessage {
    if ('text' in input) return { type: 'text', text: input.text };
    if ('buttonId' in input) return { type: 'button_reply', id: input.buttonId, title: input.title };
    if ('rowId' in input) return { type: 'list_reply', id: input.rowId, title: input.title };
    return { type: 'location', latitude: input.location.latitude, longitude: input.location.longitude };
  }

  return {
    async createSession({ flow, startNodeId }, actor) {
      const phoneNumberId = allocateNumber();
      await bindDraft(phoneNumberId, flow, startNodeId);
      const session: PreviewSession = {
        id: `prv_${randomBytes(12).toString('base64url')}`,
        flowId: flow.id,
        ...(startNodeId && flow.nodes.some((n) => n.id === startNodeId && n.type !== 'start')
          ? { startNodeId }
          : {}),
        phoneNumberId,
        userId: newUserId(),
        events: [],
        nextSeq: 1,
        waiters: new Set(),
        lastUsedAt: clock.now(),
        ownerId: actor.id,
      };
      sessions.set(session.id, session);
      byNumber.set(phoneNumberId, session);
      return { sessionId: session.id, userId: session.userId, phoneNumberId };
    },

    async sendMessage(sessionId, input) {
      const session = touch(sessionId);
      if (!session) return null;
      pushPreviewEvent(session, { kind: 'user', at: clock.now(), message: input });
      const result = await simulator.userSends(
        { waId: session.userId, name: PREVIEW_CONTACT_NAME },
        toSimulated(input),
        {
          phoneNumberId: session.phoneNumberId,
        },
      );
      if (result.status !== 200)
        options.log.warn({ status: result.status }, 'preview webhook was not accepted');
      return { ok: true };
    },

    async events(sessionId, after, { waitMs, signal }): Promise<PreviewEvents | null> {
      const session = touch(sessionId);
      if (!session) return null;
      const pending = () => session.events.filter((e) => e.seq > after);
      if (pending().length === 0 && waitMs > 0 && !signal.aborted) {
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            session.waiters.delete(done);
            signal.removeEventListener('abort', done);
            resolve();
          };
          const timer = setTimeout(done, waitMs);
          session.waiters.add(done);
          signal.addEventListener('abort', done);
        });
      }
      const conversation = await store.getConversation(`${session.phoneNumberId}:${session.userId}`);
      const envelope = (conversation?.snapshot ?? {}) as { path?: unknown };
      return {
        events: pending(),
        conversation: {
          status: conversation?.status ?? 'new',
          nodeId: conversation?.nodeId ?? null,
          path: Array.isArray(envelope.path) ? (envelope.path as string[]) : [],
          vars: conversation?.vars ?? {},
        },
      };
    },

    async restart(sessionId) {
      const session = touch(sessionId);
      if (!session) return null;
      // A new simulated user is a fresh conversation; the old one ages out with retention.
      session.userId = newUserId();
      session.events = [];
      for (const wake of session.waiters) wake();
      return { ok: true };
    },

    async deleteSession(sessionId) {
      const session = sessions.get(sessionId);
      if (!session) return null;
      sessions.delete(sessionId);
      byNumber.delete(session.phoneNumberId);
      for (const wake of session.waiters) wake();
      return { ok: true };
    },

    async saveTest(sessionId) {
      const session = touch(sessionId);
      if (!session) return null;
      if (!/^[a-z0-9-]{1,64}$/.test(session.flowId)) return null;
      // A transcript test always runs from the start node: one recorded mid-flow could never pass.
      if (session.startNodeId) throw new PreviewSaveError('preview.started_mid_flow', MID_FLOW_MESSAGE);
      const file = path.join(options.flowsDir, `${session.flowId}.test.json`);
      const recorded = previewToTestFile(session.flowId, session.events);
      const merged = mergePreviewTest(await readTestFile(file), recorded);
      if (!merged)
        throw new PreviewSaveError(
          'preview.test_file_unreadable',
          `${path.basename(file)} is not a valid flow test file, so the recording was not added to it. Fix or remove it first.`,
        );
      const content = `${JSON.stringify(merged, null, 2)}\n`;
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, content, 'utf8');
      await rename(tmp, file);
      // Named as the builder shows it (`flows/<id>.test.json`), never the server's own file layout.
      return { path: `${path.basename(options.flowsDir)}/${session.flowId}.test.json` };
    },

    close() {
      unsubscribe();
      for (const session of sessions.values()) for (const wake of session.waiters) wake();
      sessions.clear();
      byNumber.clear();
    },
  };
}
