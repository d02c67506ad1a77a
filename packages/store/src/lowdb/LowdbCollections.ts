import { appendFile, mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { Low } from 'lowdb';
import type { FlowVersionRecord } from '@parley/flow';
import type { ApiTokenRecord, AuditEntry, BotRecord, SessionRecord, UserRecord } from '../records.js';
import { AtomicJsonFile } from './AtomicJsonFile.js';
import { hashId } from './conversationDocument.js';
import { parseNdjsonLines, readTextIfExists } from './ndjson.js';

interface Collections {
  bots: Low<{ bots: BotRecord[] }>;
  users: Low<{ users: UserRecord[] }>;
  sessions: Low<{ sessions: SessionRecord[] }>;
  tokens: Low<{ tokens: ApiTokenRecord[] }>;
}

/**
 * The small, whole-file collections (bots, users, sessions, API tokens, flow versions) as lowdb
 * `Low` documents over `AtomicJsonFile`, plus the append-only audit log. Writes to one file are
 * serialized; each write is atomic.
 */
export class LowdbCollections {
  readonly #dataDir: string;
  readonly #fsync: boolean;
  #db: Collections | null = null;
  readonly #flows = new Map<string, Promise<Low<{ flowId: string; versions: FlowVersionRecord[] }>>>();
  readonly #chains = new Map<string, Promise<unknown>>();
  #audit: AuditEntry[] = [];

  constructor(dataDir: string, options: { fsync: boolean }) {
    this.#dataDir = dataDir;
    this.#fsync = options.fsync;
  }

  async init(): Promise<void> {
    await mkdir(join(this.#dataDir, 'flows'), { recursive: true });
    const make = <T>(name: string, data: T) =>
      new Low<T>(new AtomicJsonFile<T>(join(this.#dataDir, name), { fsync: this.#fsync }), data);
    const db: Collections = {
      bots: make('bots.json', { bots: [] as BotRecord[] }),
      users: make('users.json', { users: [] as UserRecord[] }),
      sessions: make('sessions.json', { sessions: [] as SessionRecord[] }),
      tokens: make('tokens.json', { tokens: [] as ApiTokenRecord[] }),
    };
    await Promise.all(Object.values(db).map((low: Low<unknown>) => low.read()));
    this.#db = db;
    this.#audit = await this.#readAudit();
  }

  get db(): Collections {
    if (!this.#db) throw new Error('The store is not initialized: call init() first.');
    return this.#db;
  }

  /** Runs `fn` then writes `low`, one at a time per file. */
  update<T>(name: string, low: Low<T>, fn: (data: T) => void): Promise<void> {
    const run = async () => {
      fn(low.data);
      await low.write();
    };
    const next = (this.#chains.get(name) ?? Promise.resolve()).then(run, run);
    this.#chains.set(
      name,
      next.catch(() => undefined),
    );
    return next;
  }

  /** The flow's versions document; one `Low` per flow, shared by concurrent callers. */
  flow(flowId: string): Promise<Low<{ flowId: string; versions: FlowVersionRecord[] }>> {
    let low = this.#flows.get(flowId);
    if (!low) {
      const path = join(this.#dataDir, 'flows', `${hashId(flowId)}.json`);
      const doc = new Low(
        new AtomicJsonFile<{ flowId: string; versions: FlowVersionRecord[] }>(path, { fsync: this.#fsync }),
        {
          flowId,
          versions: [],
        },
      );
      low = doc.read().then(() => doc);
      low.catch(() => this.#flows.delete(flowId));
      this.#flows.set(flowId, low);
    }
    return low;
  }

  get audit(): readonly AuditEntry[] {
    return this.#audit;
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    const run = async () => {
      const path = join(this.#dataDir, 'audit.ndjson');
      if (this.#fsync) {
        const handle = await open(path, 'a', 0o600);
        try {
          await handle.appendFile(`${JSON.stringify(entry)}\n`);
          await handle.sync();
        } finally {
          await handle.close();
        }
      } else {
        await appendFile(path, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
      }
      this.#audit.push(entry);
    };
    const next = (this.#chains.get('audit') ?? Promise.resolve()).then(run, run);
    this.#chains.set(
      'audit',
      next.catch(() => undefined),
    );
    return next;
  }

  async #readAudit(): Promise<AuditEntry[]> {
    const path = join(this.#dataDir, 'audit.ndjson');
    const text = await readTextIfExists(path);
    // A torn tail would glue the next appended line onto it: end it first.
    if (text && !text.endsWith('\n')) await appendFile(path, '\n');
    return parseNdjsonLines<AuditEntry>(text);
  }

  async drain(): Promise<void> {
    await Promise.all([...this.#chains.values()]);
  }
}
