import type { ContactRecord, ConversationRecord, FlowVersionRecord } from '@parley/flow';

/** The part of a bot record the engine reads: which flow (and version) a number runs. */
export interface EngineBot {
  id: string;
  flowId: string;
  /** `latest` follows publishing; a number pins a version. */
  flowVersion: 'latest' | number;
}

/**
 * The read-only subset of @parley/store's `Store` the engine needs, with the same signatures, so
 * a real store satisfies it structurally. The engine never writes: it returns a commit unit.
 */
export interface EngineStore {
  getConversation(id: string): Promise<ConversationRecord | null>;
  getContact(id: string): Promise<ContactRecord | null>;
  getFlowVersion(flowId: string, version: number): Promise<FlowVersionRecord | null>;
  getLatestFlowVersion(flowId: string): Promise<FlowVersionRecord | null>;
  getBotByPhoneNumberId(phoneNumberId: string): Promise<EngineBot | null>;
}
