import { isDeepStrictEqual } from 'node:util';
import type { FlowDocument, OutboundMessage } from '@parley/flow';
import type { HttpCapability, HttpResponse } from '@parley/nodes';
import type { RuntimeRegistry } from '../registry/RuntimeRegistry.js';
import { lookupPath } from '../template/renderText.js';
import { createFlowDriver, type DriverInput, type FlowDriver } from './createFlowDriver.js';
import {
  durationMs,
  flowTestFileSchema,
  type FlowTestBotExpectation,
  type FlowTestCase,
  type FlowTestHttpMock,
  type FlowTestTurn,
} from './flowTestFileSchema.js';

/** One mismatch: which turn, what was expected, what happened, and a readable diff. */
export interface FlowTestFailure {
  case: string;
  /** 1-based turn number; 0 for a problem with the file itself. */
  turn: number;
  expected: unknown;
  actual: unknown;
  diff: string;
}

export interface FlowTestResult {
  ok: boolean;
  cases: number;
  turns: number;
  failures: FlowTestFailure[];
}

/** Options of `runFlowTest`. */
export interface RunFlowTestOptions {
  /** Flows a `goto` may reach. */
  otherFlows?: FlowDocument[];
}

/** A bot message in the shape of an expectation, for comparison and for diffs. */
export function describeOutbound(message: OutboundMessage): FlowTestBotExpectation {
  switch (message.type) {
    case 'text':
      return { text: message.text };
    case 'buttons':
      return { buttons: message.buttons.map((button) => button.title), body: message.body };
    case 'list':
      return {
        list: message.sections.flatMap((section) => section.rows.map((row) => row.title)),
        body: message.body,
      };
    case 'template':
      return { template: message.name };
    case 'media':
      return { media: message.mediaKind };
    default:
      return { type: message.type };
  }
}

function matches(expected: FlowTestBotExpectation, message: OutboundMessage): boolean {
  const actual = describeOutbound(message);
  if ('textContains' in expected) return 'text' in actual && actual.text.includes(expected.textContains);
  if ('type' in expected) return message.type === expected.type;
  if ('buttons' in expected && 'buttons' in actual)
    return (
      isDeepStrictEqual(expected.buttons, actual.buttons) &&
      (expected.body === undefined || expected.body === actual.body)
    );
  if ('list' in expected && 'list' in actual)
    return (
      isDeepStrictEqual(expected.list, actual.list) &&
      (expected.body === undefined || expected.body === actual.body)
    );
  return isDeepStrictEqual(expected, actual);
}

const show = (value: unknown) => JSON.stringify(value);

function diffLines(expected: readonly unknown[], actual: readonly unknown[]): string {
  const lines: string[] = [];
  for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
    const e = expected[i];
    const a = actual[i];
    if (e !== undefined && a !== undefined && matches(e as FlowTestBotExpectation, a as OutboundMessage))
      lines.push(`  ${show(describeOutbound(a as OutboundMessage))}`);
    else {
      if (e !== undefined) lines.push(`- ${show(e)}`);
      if (a !== undefined) lines.push(`+ ${show(describeOutbound(a as OutboundMessage))}`);
    }
  }
  return lines.join('\n');
}

function mockHttp(mocks: FlowTestHttpMock[]): HttpCapability {
  return {
    async request(request): Promise<HttpResponse> {
      const mock = mocks.find(
        (candidate) =>
          request.url.includes(candidate.url) && (!candidate.method || candidate.method === request.method),
      );
      if (!mock)
        return {
          ok: false,
          error: {
            code: 'no_mock',
            message: `No HTTP mock in the test matches ${request.method} ${request.url}`,
          },
        };
      if (mock.error) return { ok: false, error: mock.error };
      const body = typeof mock.body === 'string' ? mock.body : JSON.stringify(mock.body ?? null);
      const headers = { 'content-type': typeof mock.body === 'string' ? 'text/plain' : 'application/json' };
      return {
        ok: true,
        status: mock.status,
        headers,
        body,
        ...(typeof mock.body === 'string' ? {} : { json: mock.body ?? null }),
      };
    },
  };
}

/** Turns a test's user input into a message; buttons and rows are looked up in what the bot sent. */
function toInput(input: NonNullable<FlowTestTurn['user']>, sent: OutboundMessage[]): DriverInput | string {
  if (typeof input === 'string') return { type: 'text', text: input };
  if ('text' in input) return { type: 'text', text: input.text };
  if ('location' in input) return { type: 'location', ...input.location };
  if ('media' in input)
    return {
      type: 'media',
      mediaKind: input.media.kind,
      mediaId: input.media.id ?? 'media-1',
      ...(input.media.caption ? { caption: input.media.caption } : {}),
    };
  const wanted = 'button' in input ? input.button : input.list;
  const same = (a: string) => a.trim().toLowerCase() === wanted.trim().toLowerCase();
  for (const message of [...sent].reverse()) {
    if ('button' in input && message.type === 'buttons') {
      const button = message.buttons.find((candidate) => candidate.id === wanted || same(candidate.title));
      if (button) return { type: 'button_reply', buttonId: button.id, title: button.title };
    }
    if ('list' in input && message.type === 'list') {
      const row = message.sections
        .flatMap((section) => section.rows)
        .find((candidate) => candidate.id === wanted || same(candidate.title));
      if (row) return { type: 'list_reply', rowId: row.id, title: row.title };
    }
  }
  return `The bot never offered ${'button' in input ? 'a button' : 'a list row'} "${wanted}".`;
}

async function runCase(
  flow: FlowDocument,
  testCase: FlowTestCase,
  registry: RuntimeRegistry,
  options: RunFlowTestOptions,
): Promise<FlowTestFailure[]> {
  const driver: FlowDriver = await createFlowDriver({
    registry,
    flow,
    otherFlows: options.otherFlows,
    http: mockHttp(testCase.http ?? []),
    ...(testCase.contact
      ? { contact: { waId: testCase.contact.waId ?? '31600000001', name: testCase.contact.name } }
      : {}),
  });
  const failures: FlowTestFailure[] = [];
  const sent: OutboundMessage[] = [];
  const fail = (turn: number, what: string, expected: unknown, actual: unknown, diff?: string) =>
    failures.push({
      case: testCase.name,
      turn,
      expected,
      actual,
      diff: diff ?? `${what}\n- ${show(expected)}\n+ ${show(actual)}`,
    });

  for (const [index, turn] of testCase.turns.entries()) {
    const number = index + 1;
    const messages: OutboundMessage[] = [];
    if (turn.after !== undefined) messages.push(...(await driver.advance(durationMs(turn.after))).messages);
    if (turn.operator !== undefined) {
      messages.push(
        ...(
          await driver.handle({ type: `operator.${turn.operator}`, key: driver.key, operator: 'flow-test' })
        ).messages,
      );
      messages.push(...(await driver.skipDelays()).messages);
    }
    if (turn.user !== undefined) {
      const input = toInput(turn.user, sent);
      if (typeof input === 'string') {
        fail(number, 'user input', turn.user, null, input);
        break;
      }
      messages.push(...(await driver.send(input)).messages);
      messages.push(...(await driver.skipDelays()).messages);
    }
    sent.push(...messages);
    if (turn.bot !== undefined) {
      const same =
        turn.bot.length === messages.length &&
        turn.bot.every((expected, i) => matches(expected, messages[i]!));
      if (!same)
        fail(number, 'bot messages', turn.bot, messages.map(describeOutbound), diffLines(turn.bot, messages));
    }
    const conversation = await driver.conversation();
    const status = conversation?.status ?? null;
    if (turn.ended !== undefined && (status === 'ended') !== turn.ended)
      fail(
        number,
        'conversation ended',
        turn.ended,
        status === 'ended',
        `the conversation should ${turn.ended ? '' : 'not '}have ended (status: ${status})`,
      );
    if (turn.handoff !== undefined && (status === 'handoff') !== turn.handoff)
      fail(
        number,
        'handoff',
        turn.handoff,
        status === 'handoff',
        `the conversation should ${turn.handoff ? '' : 'not '}be with a person (status: ${status})`,
      );
    if (turn.status !== undefined && status !== turn.status) fail(number, 'status', turn.status, status);
    if (turn.node !== undefined && conversation?.nodeId !== turn.node)
      fail(number, 'current node', turn.node, conversation?.nodeId ?? null);
    for (const [path, value] of Object.entries(turn.vars ?? {})) {
      const actual = lookupPath(conversation?.vars ?? {}, path);
      if (!isDeepStrictEqual(actual ?? null, value)) fail(number, `variable ${path}`, value, actual ?? null);
    }
  }
  return failures;
}

/**
 * Runs a transcript test against a flow with the real engine, an in-memory store and a fake
 * clock (delays pass instantly).
 * @example
 * const result = await runFlowTest(flow, JSON.parse(text), registry);
 * if (!result.ok) console.log(formatFlowTestFailures(result.failures));
 */
export async function runFlowTest(
  flow: FlowDocument,
  testFile: unknown,
  registry: RuntimeRegistry,
  options: RunFlowTestOptions = {},
): Promise<FlowTestResult> {
  const parsed = flowTestFileSchema.safeParse(testFile);
  if (!parsed.success) {
    const diff = parsed.error.issues
      .map((issue) => `${issue.path.join('.') || 'file'}: ${issue.message}`)
      .join('\n');
    return {
      ok: false,
      cases: 0,
      turns: 0,
      failures: [{ case: 'file', turn: 0, expected: 'a valid test file', actual: null, diff }],
    };
  }
  const file = parsed.data;
  const cases: FlowTestCase[] = file.cases ?? [
    { name: file.description ?? flow.id, contact: file.contact, http: file.http, turns: file.turns ?? [] },
  ];
  const failures: FlowTestFailure[] = [];
  let turns = 0;
  for (const testCase of cases) {
    turns += testCase.turns.length;
    failures.push(
      ...(await runCase(
        flow,
        {
          ...testCase,
          http: [...(testCase.http ?? []), ...(file.http ?? [])],
          contact: testCase.contact ?? file.contact,
        },
        registry,
        options,
      )),
    );
  }
  return { ok: failures.length === 0, cases: cases.length, turns, failures };
}

/** Failures as readable text for a terminal. */
export function formatFlowTestFailures(failures: FlowTestFailure[]): string {
  return failures
    .map(
      (failure) =>
        `✗ ${failure.case} — turn ${failure.turn}\n${failure.diff
          .split('\n')
          .map((line) => `    ${line}`)
          .join('\n')}`,
    )
    .join('\n');
}
