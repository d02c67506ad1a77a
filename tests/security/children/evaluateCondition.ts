// Child process for the catastrophic-regex test: a frozen regex cannot be interrupted in-process,
// so each evaluation runs here and the parent kills it at the deadline.
import { condition } from '@parley/nodes';
import { runNodeForTest } from '@parley/nodes/testing';
import { portOf } from '../portOf.js';

const [pattern = '', input = ''] = process.argv.slice(2);
const started = performance.now();
const run = await runNodeForTest(condition, {
  config: {
    branches: [
      { id: 'hit', label: 'Hit', rules: [{ variable: 'answer', operator: 'matches', value: pattern }] },
    ],
  },
  vars: { answer: input },
});
process.stdout.write(
  `${JSON.stringify({ port: portOf(run.result.next), ms: Math.round(performance.now() - started) })}\n`,
);
