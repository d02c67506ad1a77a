import type { NodeDefinition } from '../types.js';
import { ask } from './ask.js';
import { choice } from './choice.js';
import { condition } from './condition.js';
import { delay } from './delay.js';
import { end } from './end.js';
import { goto } from './goto.js';
import { handoff } from './handoff.js';
import { http } from './http.js';
import { message } from './message.js';
import { set } from './set.js';
import { start } from './start.js';
import { template } from './template.js';

/** The node types every Parley server has, in palette order. */
export const builtinNodes: readonly NodeDefinition[] = [
  start,
  message,
  choice,
  ask,
  condition,
  set,
  http,
  delay,
  handoff,
  goto,
  end,
  template,
];
