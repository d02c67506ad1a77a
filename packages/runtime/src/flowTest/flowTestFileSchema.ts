import { z } from 'zod';
import { conversationStatusSchema, mediaKindSchema } from '@parley/flow';

/** What the user sends in a turn: a string is typed text. Buttons and list rows by title or id. */
export const flowTestUserInputSchema = z.union([
  z.string(),
  z.strictObject({ text: z.string() }),
  z.strictObject({ button: z.string().min(1) }),
  z.strictObject({ list: z.string().min(1) }),
  z.strictObject({
    location: z.strictObject({
      latitude: z.number(),
      longitude: z.number(),
      name: z.string().optional(),
      address: z.string().optional(),
    }),
  }),
  z.strictObject({
    media: z.strictObject({
      kind: mediaKindSchema,
      caption: z.string().optional(),
      id: z.string().optional(),
    }),
  }),
]);

/** One message the bot must send. */
export const flowTestBotExpectationSchema = z.union([
  z.strictObject({ text: z.string() }),
  z.strictObject({ textContains: z.string() }),
  z.strictObject({ buttons: z.array(z.string()), body: z.string().optional() }),
  z.strictObject({ list: z.array(z.string()), body: z.string().optional() }),
  z.strictObject({ template: z.string() }),
  z.strictObject({ media: mediaKindSchema }),
  z.strictObject({ type: z.string() }),
]);

/** A duration like `90s`, `10m`, `2h`, `1d`, or a number of milliseconds. */
export const flowTestDurationSchema = z.union([
  z.number().int().nonnegative(),
  z.string().regex(/^\d+(ms|s|m|h|d)$/, { error: 'Write a duration like 90s, 10m, 2h or 1d' }),
]);

export const flowTestTurnSchema = z.strictObject({
  /** A note shown in failures. */
  say: z.string().optional(),
  user: flowTestUserInputSchema.optional(),
  /** An operator action instead of a user message (release a handoff, take over, reset). */
  operator: z.enum(['release', 'handoff', 'reset']).optional(),
  /** Let this much time pass first (timers that come due fire). */
  after: flowTestDurationSchema.optional(),
  /** Every message the bot sends in this turn, in order. Omit to not check; `[]` means silence. */
  bot: z.array(flowTestBotExpectationSchema).optional(),
  /** Variables (dotted paths allowed) and the values they must hold after the turn. */
  vars: z.record(z.string(), z.unknown()).optional(),
  ended: z.boolean().optional(),
  handoff: z.boolean().optional(),
  status: conversationStatusSchema.optional(),
  node: z.string().optional(),
});

/** A canned answer for the flow's HTTP requests (tests never reach the network). */
export const flowTestHttpMockSchema = z.strictObject({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).optional(),
  /** The request URL contains this. */
  url: z.string().min(1),
  status: z.number().int().min(100).max(599).default(200),
  body: z.unknown().optional(),
  error: z.strictObject({ code: z.string(), message: z.string() }).optional(),
});

export const flowTestCaseSchema = z.strictObject({
  name: z.string().min(1),
  contact: z.strictObject({ name: z.string().optional(), waId: z.string().optional() }).optional(),
  http: z.array(flowTestHttpMockSchema).optional(),
  turns: z.array(flowTestTurnSchema).min(1),
});

/**
 * `flows/<id>.test.json`: transcript tests that pin what a flow does. Either one list of
 * `turns`, or several named `cases`.
 */
export const flowTestFileSchema = z
  .strictObject({
    $schema: z.string().optional(),
    /** The flow id; defaults to the file name. */
    flow: z.string().optional(),
    description: z.string().optional(),
    contact: flowTestCaseSchema.shape.contact,
    http: z.array(flowTestHttpMockSchema).optional(),
    turns: z.array(flowTestTurnSchema).optional(),
    cases: z.array(flowTestCaseSchema).optional(),
  })
  .refine((file) => (file.turns ? 1 : 0) + (file.cases ? 1 : 0) === 1, {
    error: 'Give either "turns" or "cases"',
  });

export type FlowTestFile = z.infer<typeof flowTestFileSchema>;
export type FlowTestFileInput = z.input<typeof flowTestFileSchema>;
export type FlowTestTurn = z.infer<typeof flowTestTurnSchema>;
export type FlowTestCase = z.infer<typeof flowTestCaseSchema>;
export type FlowTestBotExpectation = z.infer<typeof flowTestBotExpectationSchema>;
export type FlowTestUserInput = z.infer<typeof flowTestUserInputSchema>;
export type FlowTestHttpMock = z.infer<typeof flowTestHttpMockSchema>;

/** Milliseconds of a test duration. */
export function durationMs(duration: z.infer<typeof flowTestDurationSchema>): number {
  if (typeof duration === 'number') return duration;
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(duration);
  if (!match) return 0;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
    match[2] as 'ms' | 's' | 'm' | 'h' | 'd'
  ];
  return Number(match[1]) * unit;
}
