import type { FlowVersionRecord } from '@parley/flow';
import type { Store } from '@parley/store';

/** The reads the engine makes (structurally the runtime's `EngineStore`). */
export type EngineStoreView = Pick<
  Store,
  'getConversation' | 'getContact' | 'getFlowVersion' | 'getLatestFlowVersion' | 'getBotByPhoneNumberId'
>;

/**
 * The engine's read-only view of the store, with published flow versions cached: a version is
 * immutable once published, yet the engine asks for it on every event (the whole flow document,
 * one round trip and a JSON parse each time). Everything else reads through.
 * @example const engine = createEngine({ store: createEngineStoreView(store), ... });
 */
export function createEngineStoreView(store: Store, options: { maxVersions?: number } = {}): EngineStoreView {
  const maxVersions = options.maxVersions ?? 200;
  const versions = new Map<string, Promise<FlowVersionRecord | null>>();
  return {
    getConversation: (id) => store.getConversation(id),
    getContact: (id) => store.getContact(id),
    getLatestFlowVersion: (flowId) => store.getLatestFlowVersion(flowId),
    getBotByPhoneNumberId: (phoneNumberId) => store.getBotByPhoneNumberId(phoneNumberId),
    getFlowVersion(flowId, version) {
      const key = `${flowId}\u0000${version}`;
      let cached = versions.get(key);
      if (!cached) {
        cached = store.getFlowVersion(flowId, version).then((record) => {
          // A missing version may be published later (another instance): do not remember the miss.
          if (!record) versions.delete(key);
          return record;
        });
        cached.catch(() => versions.delete(key));
        if (versions.size >= maxVersions) versions.delete(versions.keys().next().value as string);
        versions.set(key, cached);
      }
      return cached;
    },
  };
}
