import type { Logger } from 'pino';
import type { Store } from '@parley/store';
import type { Auth } from '../auth/createAuth.js';
import type { Config } from '../config/loadConfig.js';
import type { FlowRepository } from '../flows/FlowRepository.js';
import type {
  ConversationCommands,
  NodeRegistryLike,
  PreviewService,
  SecretCipher,
} from '../http/services.js';
import type { ParleyMetrics } from '../metrics/createParleyMetrics.js';

/** What the API routes are given: the server's parts, injected. */
export interface ApiDeps {
  config: Config;
  store: Store;
  registry: NodeRegistryLike;
  flows: FlowRepository;
  log: Logger;
  metrics: ParleyMetrics;
  auth: Auth;
  conversationCommands: ConversationCommands;
  preview?: PreviewService;
  /** Seals bots' access tokens (createCipher from @parley/store). */
  cipher: SecretCipher;
  now: () => number;
}
