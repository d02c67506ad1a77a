import type { FlowDocument } from '../flowSchema.js';
import { canonicalJson, compactCanonicalJson } from './canonicalJson.js';
import type { KeyOrder } from './canonicalJson.js';
import { sha256Hex } from './sha256.js';

const DOCUMENT_KEYS = [
  '$schema',
  'schemaVersion',
  'id',
  'name',
  'description',
  'variables',
  'settings',
  'nodes',
  'edges',
];
const NODE_KEYS = ['id', 'type', 'position', 'data'];
const EDGE_KEYS = ['id', 'source', 'sourceHandle', 'target', 'targetHandle'];
const VARIABLE_KEYS = ['name', 'type', 'default', 'description'];
const SETTINGS_KEYS = [
  'globalKeywords',
  'optOut',
  'coalesceMs',
  'inactivityTimeoutMinutes',
  'versionPolicy',
  'staleReply',
];

/**
 * The order a person reads a flow file in: the flow's identity, then its parts; a node's id and
 * type before its data. Keys not named here (node `data`) come alphabetically.
 */
export const flowKeyOrder: KeyOrder = (path) => {
  const [first, , third, fourth] = path;
  if (path.length === 0) return DOCUMENT_KEYS;
  if (first === 'nodes' && path.length === 2) return NODE_KEYS;
  if (first === 'nodes' && path.length === 3 && third === 'position') return ['x', 'y'];
  if (first === 'edges' && path.length === 2) return EDGE_KEYS;
  if (first === 'variables' && path.length === 2) return VARIABLE_KEYS;
  if (first === 'settings' && path.length === 1) return SETTINGS_KEYS;
  if (first === 'settings' && path[1] === 'optOut' && path.length === 2)
    return ['enabled', 'stopWords', 'startWords'];
  if (first === 'settings' && path[1] === 'globalKeywords' && path.length === 3 && fourth === undefined) {
    return ['keywords', 'action', 'nodeId'];
  }
  return undefined;
};

/**
 * The flow file's text: stable key order and Prettier's layout, so saving twice gives the same
 * bytes and git diffs show only what changed.
 * @example await writeFile(`flows/${flow.id}.json`, canonicalFlowJson(flow))
 */
export function canonicalFlowJson(flow: FlowDocument): string {
  return canonicalJson(flow, { keyOrder: flowKeyOrder });
}

/**
 * sha256 (hex) of what a flow does: its nodes, edges, variables and settings in canonical form.
 * The name, description and key order do not change it. Synchronous and browser-safe.
 * @example flowContentHash(flow) // '3f0a…'
 */
export function flowContentHash(flow: FlowDocument): string {
  const { nodes, edges, variables, settings } = flow;
  return sha256Hex(compactCanonicalJson({ variables, settings, nodes, edges }, flowKeyOrder));
}
