import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import {
  canonicalFlowJson,
  flowContentHash,
  flowIdSchema,
  lintFlow,
  parseFlow,
  type FlowDocument,
  type FlowIssue,
  type FlowVersionRecord,
  type NodeTypeCatalog,
} from '@parley/flow';
import type { Store } from '@parley/store';
import { etagOf, matchesEtag } from './etag.js';
import {
  asObject,
  loadFlowFile,
  readId,
  summarizeFlowFile,
  validateFlowDocument,
  type FlowSummary,
} from './flowFile.js';
import { FlowRepositoryError } from './FlowRepositoryError.js';
import { slugifyFlowId } from './slugifyFlowId.js';
import { writeFileAtomic } from './writeFileAtomic.js';

export interface FlowRepositoryOptions {
  /** FLOWS_DIR. */
  dir: string;
  store: Store;
  catalog: NodeTypeCatalog;
  now?: () => number;
}

const FILE_NAME = /^([a-z0-9-]{1,64})\.json$/;

/**
 * Flows as files in FLOWS_DIR (`<id>.json`, pretty-printed canonical JSON so diffs read well),
 * with optimistic concurrency through ETags, and publishing to immutable versions in the store.
 * @example const repo = new FlowRepository({ dir: './flows', store, catalog: registry });
 */
export class FlowRepository {
  private readonly dir: string;
  private readonly store: Store;
  private readonly catalog: NodeTypeCatalog;
  private readonly now: () => number;
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(options: FlowRepositoryOptions) {
    this.dir = path.resolve(options.dir);
    this.store = options.store;
    this.catalog = options.catalog;
    this.now = options.now ?? Date.now;
  }

  /** Where a flow's file lives (the id is validated first: no path ever leaves FLOWS_DIR). */
  filePath(id: string): string {
    return path.join(this.dir, `${this.checkId(id)}.json`);
  }

  async list(): Promise<FlowSummary[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const ids = names.flatMap((n) => FILE_NAME.exec(n)?.[1] ?? []).sort();
    const rows = await Promise.all(ids.map((id) => this.summarize(id)));
    return rows.filter((row): row is FlowSummary => row !== null);
  }

  /** The flow (migrated and defaulted when it loads, else the file's JSON as is) and its ETag. */
  async read(id: string): Promise<{ document: FlowDocument; etag: string }> {
    const { bytes, etag } = await this.readBytes(id);
    return { document: loadFlowFile(bytes), etag };
  }

  async create(input: {
    id?: string;
    name: string;
    template?: string;
    document?: unknown;
  }): Promise<{ document: FlowDocument; etag: string }> {
    let base: unknown;
    if (input.document !== undefined) base = input.document;
    else if (input.template !== undefined) base = (await this.read(input.template)).document;
    else base = this.blank();
    const explicitId = input.id ?? (input.document !== undefined ? readId(input.document) : undefined);
    const id = explicitId ?? (await this.freeId(slugifyFlowId(input.name)));
    // Validating the whole document also validates the id (the schema's rule, with its path).
    const flow = validateFlowDocument({ ...asObject(base), id, name: input.name });
    return this.withLock(id, async () => {
      if (await this.exists(id)) {
        throw new FlowRepositoryError(
          'flow.exists',
          `A flow with the id "${id}" already exists. Choose another id or name.`,
          {
            path: ['id'],
          },
        );
      }
      const etag = await this.write(id, flow);
      return { document: flow, etag };
    });
  }

  /** Saves a document over the file whose ETag the editor loaded; a changed file is a conflict. */
  async save(
    id: string,
    body: unknown,
    ifMatch: string | undefined,
  ): Promise<{ document: FlowDocument; etag: string }> {
    this.checkId(id);
    if (!ifMatch) {
      throw new FlowRepositoryError(
        'flow.precondition_required',
        "Saving needs the version you loaded (an If-Match header with the ETag), so nobody overwrites another person's changes.",
      );
    }
    const flow = validateFlowDocument(body);
    if (flow.id !== id) {
      throw new FlowRepositoryError(
        'flow.id_mismatch',
        `The document's id "${flow.id}" does not match the flow "${id}".`,
        {
          path: ['id'],
        },
      );
    }
    return this.withLock(id, async () => {
      const current = await this.readBytes(id);
      this.checkEtag(ifMatch, current.etag);
      const etag = await this.write(id, flow);
      return { document: flow, etag };
    });
  }

  async delete(id: string, ifMatch?: string): Promise<void> {
    this.checkId(id);
    const bots = (await this.store.listBots()).filter((b) => b.flowId === id && b.kind !== 'preview');
    if (bots.length > 0) {
      throw new FlowRepositoryError(
        'flow.in_use',
        `The flow "${id}" is used by ${bots.map((b) => `"${b.name}"`).join(', ')}. Point those bots at another flow first.`,
      );
    }
    await this.withLock(id, async () => {
      const current = await this.readBytes(id);
      if (ifMatch) this.checkEtag(ifMatch, current.etag);
      await unlink(this.filePath(id));
    });
  }

  async duplicate(
    id: string,
    input: { id?: string; name: string },
  ): Promise<{ document: FlowDocument; etag: string }> {
    const source = await this.read(id);
    return this.create({
      ...(input.id ? { id: input.id } : {}),
      name: input.name,
      document: { ...source.document, id: undefined },
    });
  }

  async rename(
    id: string,
    name: string,
    ifMatch?: string,
  ): Promise<{ document: FlowDocument; etag: string }> {
    return this.withLock(id, async () => {
      const current = await this.readBytes(id);
      if (ifMatch) this.checkEtag(ifMatch, current.etag);
      const flow = validateFlowDocument({ ...asObject(loadFlowFile(current.bytes)), name });
      const etag = await this.write(id, flow);
      return { document: flow, etag };
    });
  }

  /** Lints the saved file, or a draft document when one is given. */
  async validate(id: string, draft?: unknown): Promise<{ errors: FlowIssue[]; warnings: FlowIssue[] }> {
    const value = draft === undefined ? JSON.parse((await this.readBytes(id)).bytes.toString('utf8')) : draft;
    const parsed = parseFlow(value);
    if (!parsed.ok) {
      return {
        errors: parsed.issues.filter((i) => i.severity === 'error'),
        warnings: parsed.issues.filter((i) => i.severity !== 'error'),
      };
    }
    const lint = lintFlow(parsed.flow, this.catalog);
    return { errors: lint.errors, warnings: lint.warnings };
  }

  /** Publishes the saved file as the next immutable version; refused while the linter finds errors. */
  async publish(id: string, publishedBy: string, ifMatch?: string): Promise<FlowVersionRecord> {
    const current = await this.readBytes(id);
    if (ifMatch) this.checkEtag(ifMatch, current.etag);
    const parsed = parseFlow(JSON.parse(current.bytes.toString('utf8')));
    if (!parsed.ok) {
      throw new FlowRepositoryError(
        'flow.lint_failed',
        'The flow cannot be published until its problems are fixed.',
        {
          issues: parsed.issues,
        },
      );
    }
    const lint = lintFlow(parsed.flow, this.catalog);
    if (lint.errors.length > 0) {
      const count = lint.errors.length;
      throw new FlowRepositoryError(
        'flow.lint_failed',
        `The flow has ${count} problem${count === 1 ? '' : 's'} to fix before it can be published.`,
        { issues: lint.errors },
      );
    }
    return this.store.publishFlowVersion({
      flowId: id,
      hash: flowContentHash(parsed.flow),
      document: parsed.flow as unknown as Record<string, unknown>,
      publishedAt: this.now(),
      publishedBy,
    });
  }

  async versions(id: string): Promise<FlowVersionRecord[]> {
    this.checkId(id);
    const versions = await this.store.listFlowVersions(id);
    if (versions.length === 0 && !(await this.exists(id))) {
      throw new FlowRepositoryError('flow.not_found', `There is no flow "${id}".`);
    }
    return [...versions].sort((a, b) => b.version - a.version);
  }

  /** Publishes an old version's content as a new version and restores the file to it. */
  async rollback(
    id: string,
    version: number,
    publishedBy: string,
  ): Promise<{ record: FlowVersionRecord; etag: string }> {
    this.checkId(id);
    const old = await this.store.getFlowVersion(id, version);
    if (!old)
      throw new FlowRepositoryError('flow.version_not_found', `Flow "${id}" has no version ${version}.`, {
        path: ['version'],
      });
    const parsed = parseFlow(old.document);
    if (!parsed.ok) {
      throw new FlowRepositoryError('flow.unreadable', `Version ${version} can no longer be loaded.`, {
        issues: parsed.issues,
      });
    }
    const flow = { ...parsed.flow, id };
    return this.withLock(id, async () => {
      const record = await this.store.publishFlowVersion({
        flowId: id,
        hash: flowContentHash(flow),
        document: flow as unknown as Record<string, unknown>,
        publishedAt: this.now(),
        publishedBy,
      });
      const etag = await this.write(id, flow);
      return { record, etag };
    });
  }

  private async summarize(id: string): Promise<FlowSummary | null> {
    let bytes: Buffer;
    let mtime: number;
    try {
      [bytes, mtime] = await Promise.all([
        readFile(this.filePath(id)),
        stat(this.filePath(id)).then((s) => s.mtimeMs),
      ]);
    } catch {
      return null; // deleted between readdir and read
    }
    const latest = await this.store.getLatestFlowVersion(id);
    return summarizeFlowFile(
      { id, updatedAt: Math.round(mtime), etag: etagOf(bytes), latestVersion: latest?.version ?? null },
      bytes,
    );
  }

  private checkId(id: string): string {
    const result = flowIdSchema.safeParse(id);
    if (!result.success) {
      throw new FlowRepositoryError(
        'flow.not_found',
        `There is no flow "${id.slice(0, 80)}" (flow ids use lowercase letters, digits and dashes).`,
      );
    }
    return result.data;
  }

  private checkEtag(ifMatch: string, etag: string): void {
    if (!matchesEtag(ifMatch, etag)) {
      throw new FlowRepositoryError(
        'flow.conflict',
        'This flow was changed since you opened it (in another tab, by someone else, or on disk). Reload it to see the latest version.',
      );
    }
  }

  private async readBytes(id: string): Promise<{ bytes: Buffer; etag: string }> {
    try {
      const bytes = await readFile(this.filePath(id));
      return { bytes, etag: etagOf(bytes) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new FlowRepositoryError('flow.not_found', `There is no flow "${id}".`);
      }
      throw error;
    }
  }

  private async exists(id: string): Promise<boolean> {
    try {
      await stat(this.filePath(id));
      return true;
    } catch {
      return false;
    }
  }

  private async freeId(base: string): Promise<string> {
    if (!(await this.exists(base))) return base;
    for (let n = 2; n < 1000; n++) {
      const candidate = `${base}-${n}`;
      if (!(await this.exists(candidate))) return candidate;
    }
    return `${base}-${randomBytes(4).toString('hex')}`;
  }

  /** Writes the canonical JSON atomically and returns the new ETag. */
  private async write(id: string, flow: FlowDocument): Promise<string> {
    let text = canonicalFlowJson(flow);
    if (!text.endsWith('\n')) text += '\n';
    await writeFileAtomic(this.filePath(id), text);
    return etagOf(text);
  }

  private blank(): Record<string, unknown> {
    return {
      schemaVersion: 1,
      variables: [],
      nodes: [{ id: 'start', type: 'start', position: { x: 0, y: 0 }, data: {} }],
      edges: [],
    };
  }

  /** Serializes check-then-write sequences per flow within this process. */
  private async withLock<T>(id: string, task: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(id) ?? Promise.resolve();
    const run = previous.then(task, task);
    const settled = run.catch(() => undefined);
    this.locks.set(id, settled);
    try {
      return await run;
    } finally {
      if (this.locks.get(id) === settled) this.locks.delete(id);
    }
  }
}
