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

export { parseFlow, parseFlowJson, MAX_FLOW_FILE_LENGTH } from './load/parseFlow.js';
export type { ParseFlowResult } from './load/parseFlow.js';
export { migrateFlow, FLOW_MIGRATIONS } from './load/migrateFlow.js';
export type { FlowMigration, MigrationResult } from './load/migrateFlow.js';
export { locateJsonError } from './load/locateJsonError.js';
export type { JsonErrorLocation } from './load/locateJsonError.js';

export { flowIssueSchema, jsonPathSchema, formatIssue, formatJsonPath } from './issues/flowIssue.js';
export type { FlowIssue, JsonPath } from './issues/flowIssue.js';
export { FLOW_ISSUE_CATALOG, createIssue, issueMessage } from './issues/issueCatalog.js';
export type { FlowIssueCode, FlowIssueParams, IssueLocation } from './issues/issueCatalog.js';
export { parseFriendly, parseNodeConfig, friendlyZodMessage } from './issues/friendlyZodIssues.js';
export { describeField } from './issues/describeField.js';

export { lintFlow } from './lint/lintFlow.js';
export type { LintResult } from './lint/lintFlow.js';
export { BUILT_IN_VARIABLES } from './lint/lintVariables.js';
export { checkReplyButtons, checkList, checkTextLength } from './lint/checkWhatsAppLimits.js';
export type { ReplyButtonInput, ListInput, ListRowInput } from './lint/checkWhatsAppLimits.js';
export { findCycles } from './lint/findCycles.js';

export {
  parseTemplate,
  templateVariables,
  templateSyntaxProblems,
  MAX_TEMPLATE_LENGTH,
  MAX_TEMPLATE_VARIABLES,
  FORBIDDEN_PATH_SEGMENTS,
} from './template/parseTemplate.js';
export type { TemplateSegment, TemplateSyntaxProblem } from './template/parseTemplate.js';
export {
  renderTemplate,
  renderValue,
  lookupPath,
  MAX_RENDERED_VALUE_LENGTH,
} from './template/renderTemplate.js';

export { flowJsonSchema, renderFlowJsonSchema, FLOW_SCHEMA_FILE } from './schema/flowJsonSchema.js';
export { canonicalFlowJson, flowContentHash, flowKeyOrder } from './canonical/canonicalFlowJson.js';
export { canonicalJson, compactCanonicalJson } from './canonical/canonicalJson.js';
export type { CanonicalJsonOptions, KeyOrder } from './canonical/canonicalJson.js';
export { sha256Hex } from './canonical/sha256.js';

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
