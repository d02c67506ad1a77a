import type { NodeTypes } from '@xyflow/react';
import { FlowNodeCard } from './FlowNodeCard.js';

/** Module scope: a new object per render would remount every card. One generic card for all types. */
export const nodeTypes: NodeTypes = { card: FlowNodeCard };
