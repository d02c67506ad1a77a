// Webhook: verification, handshake, parsing, the HTTP handler.
export { verifySignature, signBody } from './webhook/verifySignature.js';
export { handleSubscription } from './webhook/handleSubscription.js';
export { parseWebhook } from './webhook/parseWebhook.js';
export { inboxRecordsFromWebhook, inboxIdOf } from './webhook/inboxRecordsFromWebhook.js';
export { toInboundMessage } from './webhook/toInboundMessage.js';
export {
  createWebhookHandler,
  WebhookConfigError,
  META_MAX_WEBHOOK_BYTES,
} from './webhook/createWebhookHandler.js';
export { readRawBody } from './webhook/readRawBody.js';

// Graph API: client, message conversion, errors, read receipts.
export {
  createGraphClient,
  DEFAULT_GRAPH_API_VERSION,
  DEFAULT_GRAPH_API_BASE_URL,
} from './graph/createGraphClient.js';
export { toGraphMessage } from './graph/toGraphMessage.js';
export { GraphError, parseGraphError, classifyGraphError } from './graph/GraphError.js';
export { createReadReceipts } from './graph/createReadReceipts.js';
export { graphConfigFromEnv } from './graph/graphConfigFromEnv.js';
export { createThreadTransport } from './graph/createThreadTransport.js';

// Outbox dispatcher and its parts.
export { createDispatcher } from './dispatch/createDispatcher.js';
export { createRateLimiter } from './dispatch/createRateLimiter.js';
export { createTokenBucket } from './dispatch/createTokenBucket.js';
export { computeBackoff } from './dispatch/computeBackoff.js';
export { createBatchWriter } from './dispatch/createBatchWriter.js';
export { mergeDeliveryStatus } from './dispatch/mergeDeliveryStatus.js';

// Forwarding verified webhooks elsewhere.
export { createForwarder, signForwardedBody } from './forward/createForwarder.js';

export { silentLogger } from './ports.js';

export type { Logger, Clock, Random, FetchLike } from './ports.js';
export type { SignatureCheck } from './webhook/verifySignature.js';
export type { SubscriptionAnswer } from './webhook/handleSubscription.js';
export type {
  ParsedWebhookEvent,
  ParseWebhookResult,
  IgnoredItem,
  WebhookOrigin,
  UserMessageEvent,
  MessageStatusEvent,
} from './webhook/parseWebhook.js';
export type { InboundConversion } from './webhook/toInboundMessage.js';
export type {
  WebhookHandlerOptions,
  WebhookRequestHandler,
  WebhookInbox,
  WebhookStatusTarget,
  WebhookForwardTarget,
} from './webhook/createWebhookHandler.js';
export type { RawBodyResult } from './webhook/readRawBody.js';
export type {
  GraphClient,
  GraphClientOptions,
  GraphResult,
  SendOptions,
  MediaInfo,
} from './graph/createGraphClient.js';
export type { GraphMessageBody, GraphMessageIssue, GraphMessageResult } from './graph/toGraphMessage.js';
export type { GraphErrorClass, GraphTransportFailure, ClassifiableError } from './graph/GraphError.js';
export type { ReadReceipts, ReadReceiptsOptions } from './graph/createReadReceipts.js';
export type { GraphConfig } from './graph/graphConfigFromEnv.js';
export type { ThreadTransport } from './graph/createThreadTransport.js';
export type { GraphTransport, TransportRequest, TransportResponse } from './graph/graphTransport.js';
export type {
  Dispatcher,
  DispatcherOptions,
  DispatcherStore,
  DispatcherOutboxPatch,
  TickReport,
  ApplyStatusResult,
  ClaimOffer,
} from './dispatch/createDispatcher.js';
export type { RateLimiter, RateLimiterOptions } from './dispatch/createRateLimiter.js';
export type { TokenBucket, TakeResult } from './dispatch/createTokenBucket.js';
export type { BackoffOptions } from './dispatch/computeBackoff.js';
export type { StatusMerge } from './dispatch/mergeDeliveryStatus.js';
export type { OutboxTranscriptCode } from './dispatch/outboxTranscript.js';
export type { Forwarder, ForwarderOptions, ForwarderStats } from './forward/createForwarder.js';
