import type { PreviewEvents, PreviewService } from '../services.js';

/** A preview service that keeps sessions in memory (the lead's real one drives the simulator and engine). */
export function recordingPreview(): PreviewService & { calls: string[] } {
  const sessions = new Map<string, { events: PreviewEvents['events'] }>();
  const calls: string[] = [];
  let next = 1;
  return {
    calls,
    async createSession({ flow }) {
      const sessionId = `pv_${next++}`;
      sessions.set(sessionId, { events: [] });
      calls.push(`create:${flow.id}`);
      return { sessionId, userId: '15550001', phoneNumberId: '100000000000002' };
    },
    async sendMessage(id, input) {
      const s = sessions.get(id);
      if (!s) return null;
      s.events.push({ seq: s.events.length + 1, kind: 'user', at: 0, message: input });
      return { ok: true };
    },
    async events(id, after, { waitMs, signal }) {
      const s = sessions.get(id);
      if (!s) return null;
      const fresh = () => s.events.filter((e) => e.seq > after);
      if (fresh().length === 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(waitMs, 50));
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return {
        events: fresh(),
        conversation: { status: 'waiting', nodeId: 'greet', path: ['start', 'greet'], vars: {} },
      };
    },
    async restart(id) {
      return sessions.has(id) ? { ok: true } : null;
    },
    async deleteSession(id) {
      return sessions.delete(id) ? { ok: true } : null;
    },
    async saveTest(id) {
      return sessions.has(id) ? { path: 'flows/hello.test.json' } : null;
    },
  };
}
