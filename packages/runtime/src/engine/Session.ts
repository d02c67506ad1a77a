import type { FlowSource } from './FlowSource.js';
import type { EngineBot } from './EngineStore.js';
import type { Turn } from './Turn.js';

/** One `handle` call: the turn plus what was found when loading. */
export interface Session {
  turn: Turn;
  flows: FlowSource;
  bot: EngineBot | null;
  /** True when the conversation record exists (or will, after this commit). */
  exists: boolean;
  /** True when `turn.compiled`/`turn.snapshot` hold the conversation's own flow version. */
  attached: boolean;
  /** Why the stored conversation cannot continue (its version is gone or broken). */
  restartReason?: 'flow.version_missing' | 'flow.invalid';
  /** Start a new conversation at this node instead of the start node (the builder's preview). */
  startNodeId?: string;
}
