export { defineNode } from './defineNode.js';
export { field, template, withUi, uiOf, isTemplateSchema } from './fields.js';
export { resolvePorts } from './resolvePorts.js';
export { createRegistry, DuplicateNodeTypeError } from './createRegistry.js';
export { toManifestEntry, NodeManifestError } from './nodeManifest.js';
export { toConfigIssues } from './toConfigIssues.js';
export { findTemplateFields, renderTemplateFields } from './templateFields.js';
export { isNodeDefinition, nodeDefinitionProblems } from './isNodeDefinition.js';
export { checkPattern, safeTest, MAX_PATTERN_LENGTH, MAX_REGEX_INPUT_LENGTH } from './support/safeRegex.js';
export { parseJsonPath, readJsonPath } from './support/jsonPath.js';
export { newOptionId } from './newOptionId.js';
export { builtinNodes } from './catalog/builtinNodes.js';
export { start } from './catalog/start.js';
export { message } from './catalog/message.js';
export { choice } from './catalog/choice.js';
export { ask } from './catalog/ask.js';
export { condition } from './catalog/condition.js';
export { set } from './catalog/set.js';
export { http } from './catalog/http.js';
export { delay } from './catalog/delay.js';
export { handoff } from './catalog/handoff.js';
export { goto } from './catalog/goto.js';
export { end } from './catalog/end.js';
export { template as templateNode } from './catalog/template.js';

export type {
  NodeDefinition,
  NodeContext,
  ReplyContext,
  NodeResult,
  NodeNext,
  PortSpec,
  PortsFromArray,
  PortsDeclaration,
  HttpCapability,
  HttpRequest,
  HttpResponse,
  NodeLogger,
  UiMeta,
  AnyConfigSchema,
} from './types.js';
export type { PortIdsOf } from './defineNode.js';
export type { ResolvedPorts } from './resolvePorts.js';
export type { NodeRegistry, RegisteredNode } from './createRegistry.js';
export type { NodeManifestEntry } from './nodeManifest.js';
export type { PatternCheck } from './support/safeRegex.js';
