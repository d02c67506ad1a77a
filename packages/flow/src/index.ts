export {
  CURRENT_SCHEMA_VERSION,
  flowDocumentSchema,
  flowNodeSchema,
  flowEdgeSchema,
  flowVariableSchema,
  flowSettingsSchema,
  globalKeywordSchema,
  flowIdSchema,
  variableNameSchema,
  positionSchema,
} from './flowSchema.js';
export type {
  FlowDocument,
  FlowDocumentInput,
  FlowNode,
  FlowEdge,
  FlowVariable,
  FlowSettings,
  GlobalKeyword,
} from './flowSchema.js';

export { WHATSAPP_LIMITS } from './whatsappLimits.js';
export type { WhatsAppLimits } from './whatsappLimits.js';

export type {
  NodeTypeCatalog,
  NodeTypeInfo,
  PortInfo,
  ConfigIssue,
  ConfigParseResult,
  TemplateField,
} from './nodeTypeCatalog.js';

export { inboundMessageSchema, mediaKindSchema, textOf } from './messages/inboundMessage.js';
export type { InboundMessage, InboundMessageType, MediaKind } from './messages/inboundMessage.js';
export { outboundMessageSchema, isTemplateMessage } from './messages/outboundMessage.js';
export type {
  OutboundMessage,
  OutboundMessageInput,
  OutboundMessageType,
} from './messages/outboundMessage.js';

export {
  conversationKeySchema,
  conversationKeyId,
  parseConversationKeyId,
  contactIdentitySchema,
} from './conversation/conversationKey.js';
export type { ConversationKey, ContactIdentity } from './conversation/conversationKey.js';
export { engineEventSchema, deliveryStatusSchema, channelErrorSchema } from './conversation/engineEvent.js';
export type {
  EngineEvent,
  EngineEventType,
  DeliveryStatus,
  ChannelError,
} from './conversation/engineEvent.js';
export {
  conversationStatusSchema,
  conversationRecordSchema,
  contactRecordSchema,
  outboxStatusSchema,
  outboxRecordSchema,
  transcriptEntrySchema,
  timerRecordSchema,
  inboxRecordSchema,
  commitUnitSchema,
  flowVersionRecordSchema,
} from './conversation/records.js';
export type {
  ConversationStatus,
  ConversationRecord,
  ContactRecord,
  OutboxStatus,
  OutboxRecord,
  TranscriptEntry,
  TimerRecord,
  InboxRecord,
  CommitUnit,
  CommitUnitInput,
  FlowVersionRecord,
} from './conversation/records.js';
