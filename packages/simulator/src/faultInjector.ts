import { z } from 'zod';
import { SimulatorError } from './simulatorError.js';

/** One fault rule: what it hits, how often, and what goes wrong. */
export const faultRuleSchema = z.object({
  /** Restrict to a message type (`text`, `interactive`, ..., `mark_read`, `media`) and/or a recipient. */
  match: z.object({ type: z.string().optional(), to: z.string().optional() }).optional(),
  /** Apply to this many matching requests, then retire the rule. Unlimited when absent. */
  count: z.number().int().positive().optional(),
  /** Chance (0..1) that a matching request is hit. @default 1 */
  probability: z.number().min(0).max(1).optional(),
  fault: z.discriminatedUnion('kind', [
    z.object({
      kind: z.literal('graph_error'),
      code: z.number().int().default(131000),
      httpStatus: z.number().int().min(400).max(599).optional(),
      subcode: z.number().int().optional(),
      details: z.string().optional(),
    }),
    z.object({ kind: z.literal('http_5xx'), httpStatus: z.number().int().min(500).max(599).default(503) }),
    z.object({ kind: z.literal('latency'), ms: z.number().int().nonnegative() }),
    /** Destroy the socket without answering; the message is not accepted. */
    z.object({ kind: z.literal('drop') }),
    /** Accept and record the message (statuses follow), then reset the connection before answering. */
    z.object({ kind: z.literal('stall_then_reset'), ms: z.number().int().nonnegative().default(0) }),
    /** Accept with 200, then report a `failed` status with this code instead of sent/delivered/read. */
    z.object({
      kind: z.literal('failed_status'),
      code: z.number().int().default(131026),
      details: z.string().optional(),
    }),
  ]),
});

/** A fault rule as a caller writes it (defaults optional). */
export type FaultRuleInput = z.input<typeof faultRuleSchema>;
/** A fault rule after defaults. */
export type FaultRule = z.output<typeof faultRuleSchema>;
/** What a matched rule tells the Graph handler to do. */
export type Fault = FaultRule['fault'];
/** The flat form: `{ kind: 'graph_error', code: 130429, count: 3 }`. */
export type FlatFaultRuleInput = Omit<FaultRuleInput, 'fault'> & FaultRuleInput['fault'];

/**
 * Accepts the flat form of the brief too: `{ kind: 'graph_error', code: 130429, count: 3 }`.
 */
function normalize(input: unknown): unknown {
  if (input && typeof input === 'object' && 'kind' in input && !('fault' in input)) {
    const { match, count, probability, ...fault } = input as Record<string, unknown>;
    return { match, count, probability, fault };
  }
  return input;
}

/** The faults currently armed, consulted on every Graph request. */
export interface FaultInjector {
  /** Arms a rule; returns its id (for `remove`). Throws a readable error on a malformed rule. */
  inject(rule: FaultRuleInput | FlatFaultRuleInput): string;
  remove(id: string): void;
  clear(): void;
  /** Faults that hit this request (latency first), consuming their counts. */
  take(request: { type: string; to?: string }): Fault[];
  /** How many times each kind fired. */
  fired(): Record<string, number>;
}

/**
 * Creates the fault table. `random` is injected so probabilistic faults are reproducible.
 * @example const faults = createFaultInjector(Math.random); faults.inject({ kind: 'drop', count: 1 });
 */
export function createFaultInjector(random: () => number): FaultInjector {
  let nextId = 1;
  const rules = new Map<string, { rule: FaultRule; left: number }>();
  const counts: Record<string, number> = {};
  return {
    inject(input) {
      const parsed = faultRuleSchema.safeParse(normalize(input));
      if (!parsed.success) {
        throw new SimulatorError(
          'invalid_fault',
          `Invalid fault rule: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
        );
      }
      const id = `fault-${nextId++}`;
      rules.set(id, { rule: parsed.data, left: parsed.data.count ?? Number.POSITIVE_INFINITY });
      return id;
    },
    remove: (id) => void rules.delete(id),
    clear: () => rules.clear(),
    take(request) {
      const hits: Fault[] = [];
      for (const [id, entry] of rules) {
        const { match, probability } = entry.rule;
        if (match?.type !== undefined && match.type !== request.type) continue;
        if (match?.to !== undefined && match.to.replace(/^\+/, '') !== request.to?.replace(/^\+/, ''))
          continue;
        if (probability !== undefined && random() >= probability) continue;
        hits.push(entry.rule.fault);
        counts[entry.rule.fault.kind] = (counts[entry.rule.fault.kind] ?? 0) + 1;
        entry.left -= 1;
        if (entry.left <= 0) rules.delete(id);
        // Latency composes with one terminal fault; a terminal fault ends the request.
        if (entry.rule.fault.kind !== 'latency') break;
      }
      return hits.sort((a, b) => Number(b.kind === 'latency') - Number(a.kind === 'latency'));
    },
    fired: () => ({ ...counts }),
  };
}
