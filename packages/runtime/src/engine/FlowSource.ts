import type { FlowVersionRecord } from '@parley/flow';
import { compileFlow, type CompiledFlow } from '../compile/compileFlow.js';
import { parseFlowDocument } from '../compile/parseFlowDocument.js';
import type { EngineDeps } from './EngineDeps.js';

/** A published version, compiled, or why it cannot run. */
export type LoadedFlow =
  | { ok: true; record: FlowVersionRecord; compiled: CompiledFlow }
  | { ok: false; reason: 'missing' }
  | { ok: false; reason: 'invalid'; record: FlowVersionRecord; issues: string[] };

/** Loads published versions through the store and compiles them once per version + hash. */
export class FlowSource {
  private readonly compiled = new Map<string, CompiledFlow>();
  private readonly byRecord = new WeakMap<FlowVersionRecord, LoadedFlow>();

  constructor(private readonly deps: EngineDeps) {}

  async version(flowId: string, version: number): Promise<LoadedFlow> {
    return this.load(await this.deps.store.getFlowVersion(flowId, version));
  }

  async latest(flowId: string): Promise<LoadedFlow> {
    return this.load(await this.deps.store.getLatestFlowVersion(flowId));
  }

  private load(record: FlowVersionRecord | null): LoadedFlow {
    if (!record) return { ok: false, reason: 'missing' };
    // A store that keeps its records in memory hands out the same object every time: then the
    // answer is remembered per record, without building and hashing the key on every event.
    const known = this.byRecord.get(record);
    if (known) return known;
    const key = `${record.flowId}@${record.version}:${record.hash}`;
    const cached = this.compiled.get(key);
    if (cached) return this.remember(record, { ok: true, record, compiled: cached });
    const parsed = parseFlowDocument(record.document);
    if (!parsed.ok) return { ok: false, reason: 'invalid', record, issues: parsed.issues };
    const result = compileFlow(parsed.flow, this.deps.registry, { hash: record.hash });
    if (!result.ok)
      return { ok: false, reason: 'invalid', record, issues: result.issues.map((issue) => issue.message) };
    if (this.compiled.size >= 500) this.compiled.delete(this.compiled.keys().next().value as string);
    this.compiled.set(key, result.compiled);
    return this.remember(record, { ok: true, record, compiled: result.compiled });
  }

  private remember(record: FlowVersionRecord, loaded: LoadedFlow): LoadedFlow {
    this.byRecord.set(record, loaded);
    return loaded;
  }
}
