import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderTemplate } from '@parley/flow';
import { condition, message, set } from '@parley/nodes';
import { runNodeForTest } from '@parley/nodes/testing';
import { inPool, percentile, report } from './figures.js';
import { CATASTROPHIC_PATTERNS, HOSTILE_PATHS, templatePayloads } from './hostilePayloads.js';
import { portOf } from './portOf.js';
import { repoRoot, runTsChild } from './runChild.js';

const CANARY = 'canary-7f3a9c1e-do-not-leak';
let getterCalls = 0;

/** Conversation variables with traps: getters, throwing proxies, functions, symbols, cycles, an own `__proto__`. */
function hostileVars(): Record<string, unknown> {
  const vars: Record<string, unknown> = {
    name: 'Ada',
    a: { b: { c: 'deep' } },
    user: { name: 'x' },
    fn: () => 'FN-CALLED',
    sym: Symbol('s'),
    big: 'x'.repeat(100_000),
    pollute: JSON.parse(
      '{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}',
    ),
  };
  Object.defineProperty(vars, 'getter', {
    enumerable: true,
    get() {
      getterCalls += 1;
      return { secret: 'getter-value' };
    },
  });
  Object.defineProperty(vars, 'thrower', {
    enumerable: true,
    get() {
      throw new Error('boom');
    },
  });
  vars.proxy = new Proxy(
    {},
    {
      get() {
        throw new Error('proxy trap');
      },
      has: () => true,
      getOwnPropertyDescriptor: () => ({ value: 1, configurable: true, enumerable: true }),
    },
  );
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  vars.cyclic = cyclic;
  Object.assign(vars, JSON.parse('{"__proto__": {"polluted": "own-proto-key"}}'));
  return vars;
}

/** A fingerprint of the built-in prototypes an escape would change. */
function prototypesFingerprint(): string {
  const describe = (o: object) =>
    Object.getOwnPropertyNames(o)
      .sort()
      .map((k) => {
        const d = Object.getOwnPropertyDescriptor(o, k)!;
        return `${k}:${typeof d.value}:${d.get ? 'g' : ''}${d.set ? 's' : ''}`;
      })
      .join(',');
  return [Object.prototype, Function.prototype, Array.prototype, String.prototype].map(describe).join('|');
}

/** What must never appear in a rendered text: code, host objects, secrets. */
const LEAK = new RegExp(
  ['function', 'native code', 'FN-CALLED', CANARY, '\\[object ', 'undefined', 'Symbol\\('].join('|'),
);

let fingerprint: string;
beforeAll(() => {
  process.env.SECURITY_CANARY = CANARY;
  fingerprint = prototypesFingerprint();
});
afterAll(() => {
  delete process.env.SECURITY_CANARY;
});

describe('5. expressions and templates', () => {
  it('200+ escape and prototype-pollution payloads in templates: 0 escapes, prototypes untouched', async () => {
    const payloads = templatePayloads();
    expect(payloads.length).toBeGreaterThanOrEqual(200);
    const vars = hostileVars();
    const escapes: Array<{ payload: string; out: string }> = [];
    const times: number[] = [];
    for (const payload of payloads) {
      const started = performance.now();
      let out: string;
      try {
        out = renderTemplate(payload, vars);
      } catch (error) {
        escapes.push({ payload, out: `threw ${(error as Error).message}` });
        continue;
      }
      times.push(performance.now() - started);
      if (LEAK.test(out) || out.includes('own-proto-key') || out.includes('"polluted"'))
        escapes.push({ payload, out: out.slice(0, 120) });
    }
    // The same payloads through the real nodes: a message text and a set value.
    let messagesRendered = 0;
    for (const payload of payloads.slice(0, 120)) {
      const sent = await runNodeForTest(message, { config: { text: payload }, vars });
      const text = JSON.stringify(sent.result.messages ?? []);
      if (text.length > 2) messagesRendered += 1;
      if (LEAK.test(text)) escapes.push({ payload: `message: ${payload}`, out: text.slice(0, 120) });
      const setRun = await runNodeForTest(set, {
        config: { operations: [{ op: 'set', variable: 'out', value: payload, as: 'json' }] },
        vars,
      });
      if (LEAK.test(JSON.stringify(setRun.result.set ?? {})))
        escapes.push({ payload: `set: ${payload}`, out: JSON.stringify(setRun.result.set).slice(0, 120) });
    }
    const polluted =
      ({} as Record<string, unknown>).polluted !== undefined || prototypesFingerprint() !== fingerprint;
    report('templates', {
      payloads: payloads.length,
      messagesRendered,
      escapes: escapes.length,
      prototypeChanged: polluted,
      getterCalls,
      p99Ms: percentile(times, 99).toFixed(3),
      maxMs: Math.max(...times).toFixed(3),
    });
    expect(escapes).toEqual([]);
    expect(polluted).toBe(false);
    // The node path really rendered texts (a check that could not pass vacuously).
    expect(messagesRendered).toBeGreaterThan(100);
  });

  it('condition variables naming prototypes never match and never pollute', async () => {
    // Conditions read stored variables: JSON (a snapshot never holds getters), hostile keys included.
    const vars = JSON.parse(
      '{"name":"Ada","a":{"b":1},"user":{"name":"x"},"__proto__":{"polluted":"function"},"pollute":{"constructor":{"prototype":{"polluted":"function"}}}}',
    ) as Record<string, unknown>;
    const results: Array<{ variable: string; accepted: boolean; port?: string }> = [];
    for (const variable of HOSTILE_PATHS) {
      for (const operator of ['is_set', 'equals', 'contains', 'matches'] as const) {
        const config = {
          branches: [
            {
              id: 'hit',
              label: 'Hit',
              rules: [{ variable, operator, value: operator === 'matches' ? '.' : 'function' }],
            },
          ],
        };
        const parsed = condition.config.safeParse(config);
        if (!parsed.success) {
          results.push({ variable, accepted: false });
          continue;
        }
        const run = await runNodeForTest(condition, { config, vars });
        results.push({ variable: `${variable} ${operator}`, accepted: true, port: portOf(run.result.next) });
      }
    }
    // Only real own data may match: `name.length` reads a string property, `a`/`user`/`pollute` hold objects.
    const prototypeHits = results.filter(
      (r) =>
        r.port === 'hit' &&
        /__proto__|constructor|prototype|toString|valueOf|hasOwnProperty|__defineGetter__|__lookupGetter__|globalThis|global |process|require|module|Function|eval|this|self|window|arguments|import|fn\.|sym /.test(
          r.variable,
        ),
    );
    const setProto = await runNodeForTest(set, {
      config: { operations: [{ op: 'set', variable: '__proto__', value: '{"polluted":"yes"}', as: 'json' }] },
      vars: {},
    });
    const polluted =
      ({} as Record<string, unknown>).polluted !== undefined || prototypesFingerprint() !== fingerprint;
    report('conditions', {
      cases: results.length,
      rejectedBySchema: results.filter((r) => !r.accepted).length,
      prototypeHits: prototypeHits.length,
      setProtoResult: JSON.stringify(setProto.result.set ?? {}),
      prototypeChanged: polluted,
    });
    // Hits that read own data stored under a hostile key (JSON `{"__proto__": …}`) are data, not an
    // escape; anything else that matched came from a prototype or a global.
    const escapes = prototypeHits.filter((r) => !/^(__proto__|__proto__\.polluted) /.test(r.variable));
    report('conditions own hostile keys readable', { hits: prototypeHits.map((r) => r.variable) });
    expect(escapes).toEqual([]);
    expect(polluted).toBe(false);
  });

  it('10 kB and deeply nested templates evaluate in bounded time', () => {
    let deep: Record<string, unknown> = { leaf: 'bottom' };
    for (let i = 0; i < 5000; i++) deep = { a: deep };
    const cases: Record<string, string> = {
      tenKbOfPlaceholders: '{{a.b.c}}'.repeat(1111).slice(0, 10_000),
      tenKbUnclosed: '{{'.repeat(5000),
      tenKbQuotes: `{{a | "${'\\"'.repeat(4990)}"}}`,
      deepPath: `{{${Array.from({ length: 2000 }, () => 'a').join('.')}.leaf}}`,
      hundredKb: `${'x'.repeat(100_000)}{{name}}`,
      manyPlaceholders: '{{big}}'.repeat(1000),
      nestedBraces: `${'{'.repeat(5000)}name${'}'.repeat(5000)}`,
    };
    const vars = hostileVars();
    vars.a = deep;
    const times: Record<string, number> = {};
    const lengths: Record<string, number> = {};
    for (const [name, text] of Object.entries(cases)) {
      const started = performance.now();
      const out = renderTemplate(text, vars);
      times[name] = Math.round((performance.now() - started) * 100) / 100;
      lengths[name] = out.length;
    }
    report('template size', { ms: times, outputLengths: lengths });
    for (const [name, ms] of Object.entries(times))
      expect({ name, ms: ms < 250 }).toEqual({ name, ms: true });
    // A text of 1,000 `{{big}}` (100 kB each) must not turn into 100 MB.
    expect(lengths.manyPlaceholders!).toBeLessThan(2_000_000);
  });

  it('catastrophic regexes in conditions: every evaluation finishes within 250 ms', async () => {
    // Inside the 1,000-character cap, so the failing character is really evaluated.
    const input = `${'a'.repeat(995)}!`;
    const outcomes = await inPool(CATASTROPHIC_PATTERNS, 2, async (pattern) => {
      const outcome = await runTsChild(
        path.join(import.meta.dirname, 'children/evaluateCondition.ts'),
        [pattern, input],
        6_000,
      );
      if (outcome.timedOut) return { pattern, ms: Infinity, port: 'frozen: killed after 6 s' };
      const line = /\{.*\}/.exec(outcome.stdout)?.[0];
      if (!line) return { pattern, ms: Infinity, port: `crashed: ${outcome.stdout.slice(0, 200)}` };
      const parsed = JSON.parse(line) as { port: string; ms: number };
      return { pattern, ms: parsed.ms, port: parsed.port };
    });
    report('catastrophic regex', { results: outcomes.map((o) => `${o.pattern} → ${o.port} ${o.ms} ms`) });
    expect(outcomes.filter((o) => !(o.ms < 250))).toEqual([]);
  });

  it('has no eval, new Function or vm anywhere in the server code (static check)', async () => {
    const roots = [
      'apps/server/src',
      ...(await readdir(path.join(repoRoot, 'packages'))).map((p) => `packages/${p}/src`),
    ];
    const built = [
      'apps/server/dist',
      ...(await readdir(path.join(repoRoot, 'packages'))).map((p) => `packages/${p}/dist`),
    ];
    const forbidden =
      /\beval\s*\(|\bnew\s+Function\b|(?<![.\w])Function\s*\(|\bfrom\s+['"](?:node:)?vm['"]|\brequire\(\s*['"](?:node:)?vm['"]\s*\)|\bimport\(\s*['"](?:node:)?vm['"]\s*\)|\bvm\.(?:run|Script|compile)|runInNewContext|runInThisContext|compileFunction|\bsetTimeout\(\s*['"`]|\bsetInterval\(\s*['"`]/;
    const hits: string[] = [];
    let files = 0;
    const walk = async (dir: string, isSource: boolean) => {
      let entries;
      try {
        entries = await readdir(path.join(repoRoot, dir), { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        const rel = `${dir}/${entry.name}`;
        if (entry.isDirectory()) {
          if (entry.name !== 'node_modules') await walk(rel, isSource);
          continue;
        }
        if (
          isSource
            ? !/\.tsx?$/.test(entry.name) || /\.test\.tsx?$/.test(entry.name)
            : !/\.m?js$/.test(entry.name)
        )
          continue;
        files += 1;
        const lines = (await readFile(path.join(repoRoot, rel), 'utf8')).split('\n');
        lines.forEach((line, index) => {
          const code = line.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '');
          if (forbidden.test(code)) hits.push(`${rel}:${index + 1}: ${line.trim().slice(0, 100)}`);
        });
      }
    };
    for (const root of roots) await walk(root, true);
    for (const root of built) await walk(root, false);
    report('static check', { filesScanned: files, hits: hits.length });
    expect(files).toBeGreaterThan(100);
    expect(hits).toEqual([]);
  });
});
