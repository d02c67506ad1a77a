/**
 * Micro-benchmark of `Engine.handle` with the in-memory store on the pizza-order flow.
 * Run: `npm run bench:runtime` (add `-- --json` for one JSON object). Not a timed test.
 */
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import {
  flowDocumentSchema,
  type FlowDocument,
  type InboundMessage,
  type OutboundMessage,
} from '@parley/flow';
import { builtinNodes, createRegistry } from '@parley/nodes';
import { createEngine, createMemoryEngineStore } from '@parley/runtime';

const json = process.argv.includes('--json');
const conversations = Number(process.env.BENCH_CONVERSATIONS ?? 5000);
const flowPath =
  process.env.BENCH_FLOW ?? fileURLToPath(new URL('../../../flows/pizza-order.json', import.meta.url));
if (!existsSync(flowPath)) {
  process.stderr.write(`The bench needs ${flowPath}.\n`);
  process.exit(1);
}
const flow: FlowDocument = flowDocumentSchema.parse(JSON.parse(readFileSync(flowPath, 'utf8')));
const registry = createRegistry(builtinNodes);
const store = createMemoryEngineStore({ keepHistory: false, clone: process.env.BENCH_CLONE === '1' });
await store.publishFlowVersion({
  flowId: flow.id,
  hash: 'bench',
  document: flow as unknown as Record<string, unknown>,
  publishedAt: 0,
});
store.saveBot({ id: 'bot', phoneNumberId: '1055', flowId: flow.id, flowVersion: 'latest' });
let now = 1_700_000_000_000;
let counter = 0;
const engine = createEngine({
  store,
  registry,
  clock: { now: () => now },
  http: { request: async () => ({ ok: true, status: 200, headers: {}, body: '{}', json: {} }) },
  log: { debug() {}, info() {}, warn() {}, error() {} },
  ids: () => `id${++counter}`,
});

/** An answer a patient user gives to whatever the bot last asked. */
function answerTo(
  message: OutboundMessage | undefined,
  turn: number,
): Omit<InboundMessage, 'id' | 'timestamp'> {
  if (message?.type === 'list') {
    const row = message.sections[0]!.rows[turn % message.sections[0]!.rows.length]!;
    return { type: 'list_reply', rowId: row.id, title: row.title };
  }
  if (message?.type === 'buttons')
    return { type: 'button_reply', buttonId: message.buttons[0]!.id, title: message.buttons[0]!.title };
  if (turn === 0) return { type: 'text', text: 'I would like to order a pizza' };
  return {
    type: 'text',
    text: message?.type === 'text' && /how many/i.test(message.text) ? '2' : 'Main Street 10',
  };
}

const latencies: number[] = [];
const snapshotSizes: number[] = [];
let events = 0;
const started = performance.now();
const cpuStarted = process.cpuUsage();
for (let c = 0; c < conversations; c++) {
  const key = { phoneNumberId: '1055', userId: `3160${String(c).padStart(7, '0')}` };
  let last: OutboundMessage | undefined;
  for (let turn = 0; turn < 12; turn++) {
    now += 1000;
    const message = { ...answerTo(last, turn), id: `wamid.${c}.${turn}`, timestamp: now } as InboundMessage;
    const t0 = performance.now();
    const { commit } = await engine.handle(
      { type: 'user.message', key, contact: { waId: key.userId, name: 'Bench' }, message },
      { inboxId: message.id },
    );
    await store.commit(commit);
    latencies.push(performance.now() - t0);
    events += 1;
    if (commit.outbox.length > 0) last = commit.outbox[commit.outbox.length - 1]!.message;
    const status = commit.conversation?.status;
    if (status !== 'waiting') {
      snapshotSizes.push(Buffer.byteLength(JSON.stringify(commit.conversation?.snapshot ?? null)));
      break;
    }
  }
}
const elapsed = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuStarted);
// CPU time of this process: on a shared machine wall time mostly measures the neighbours.
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
latencies.sort((a, b) => a - b);
const at = (q: number) =>
  Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]! * 1000);
const result = {
  // Time inside handle + commit only: what the engine costs, without this driver's own work.
  eventsPerSecond: Math.round(events / (latencies.reduce((sum, ms) => sum + ms, 0) / 1000)),
  cpuEventsPerSecond: Math.round(events / cpuSeconds),
  wallEventsPerSecond: Math.round(events / elapsed),
  p50Us: at(0.5),
  p99Us: at(0.99),
  snapshotBytes: Math.max(...snapshotSizes),
  events,
  conversations,
  flow: flow.id,
};
if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
else {
  process.stdout.write(
    [
      `Engine.handle on "${flow.id}" (in-memory store, ${conversations} conversations, ${events} events)`,
      `  events per second   ${result.eventsPerSecond} in handle + commit (whole loop: ${result.cpuEventsPerSecond} per CPU second, ${result.wallEventsPerSecond} by wall clock)`,
      `  latency p50 / p99   ${result.p50Us} µs / ${result.p99Us} µs`,
      `  snapshot at rest    ${result.snapshotBytes} bytes (largest)`,
      '',
    ].join('\n'),
  );
}
