import { existsSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { Worker } from 'node:worker_threads';
import type { GraphTransport, TransportRequest, TransportResponse } from './graphTransport.js';
import { headerReader } from './httpExchange.mjs';

/** One answer from the thread (see graphTransport.worker.mjs). */
type Answer =
  | { id: number; ok: true; status: number; headers: IncomingHttpHeaders; body: Uint8Array | null }
  | { id: number; ok: false; name: string; message: string; code?: string };

interface Waiting {
  resolve(response: TransportResponse): void;
  reject(error: Error): void;
  /** Past this the request fails here even if the thread never answers (it enforces `timeoutMs` itself). */
  deadline: number;
}

/** Beyond the request's own timeout, how long the event loop waits for the thread's answer. */
const THREAD_GRACE_MS = 5_000;
/**
 * The thread's young generation (two 4 MB semi-spaces): its garbage is a few small objects per
 * request. Honoured only while no process-wide `--max-semi-space-size` is in force (see the
 * server's main); under that flag the thread had 54 MB of young generation alone.
 */
const THREAD_YOUNG_GENERATION_MB = 12;

function workerUrl(): URL {
  // Beside this module in the sources; from a built dist/index.js, in the package's src folder.
  const beside = new URL('./graphTransport.worker.mjs', import.meta.url);
  return existsSync(beside) ? beside : new URL('../src/graph/graphTransport.worker.mjs', import.meta.url);
}

/** The Graph transport thread: `send` is a `GraphTransport`; `close` stops the thread. */
export interface ThreadTransport {
  send: GraphTransport;
  /** Stops the thread: requests in flight fail as dropped connections (they may have gone out). */
  close(): Promise<void>;
}

/**
 * A Graph transport that runs the HTTP exchanges (`httpExchange.mjs`, the same as the default
 * transport's) on a worker thread. Under load the event loop spent ~12 % of its time building
 * requests, writing them, and parsing answers; here it posts the requests of one turn in one
 * message and gets the answers back in batches. The thread does not keep the process alive; if
 * it dies, the requests it held fail as dropped connections (ambiguous: a message may have gone
 * out, so the sender waits for its status webhook) and the next request starts a new thread.
 * It costs memory: a second V8 heap with garbage of its own (~25 MB more RSS under the
 * benchmark's load, with the young generation this thread asks for). The server uses it unless
 * `GRAPH_SEND_THREAD=false`.
 * @example const thread = createThreadTransport(); createGraphClient({ accessToken, transport: thread.send });
 */
export function createThreadTransport(): ThreadTransport {
  let worker: Worker | null = null;
  let nextId = 0;
  const waiting = new Map<number, Waiting>();
  let queue: Array<{ id: number; request: TransportRequest }> = [];
  let scheduled = false;
  let sweeper: NodeJS.Timeout | null = null;

  const failAll = (code: string, message: string) => {
    for (const [id, entry] of waiting) {
      waiting.delete(id);
      entry.reject(Object.assign(new Error(message), { code }));
    }
  };

  const start = (): Worker => {
    const thread = new Worker(workerUrl(), {
      resourceLimits: { maxYoungGenerationSizeMb: THREAD_YOUNG_GENERATION_MB },
    });
    thread.unref();
    thread.on('message', (answers: Answer[]) => {
      for (const answer of answers) settle(answer);
      if (waiting.size === 0) thread.unref();
    });
    const lost = (why: string) => {
      if (worker !== thread) return;
      worker = null;
      failAll('ECONNRESET', `the Graph transport thread stopped (${why})`);
    };
    thread.on('error', (error) => lost(error.message));
    thread.on('exit', (code) => lost(`exit code ${code}`));
    return thread;
  };

  function settle(answer: Answer): void {
    const entry = waiting.get(answer.id);
    if (!entry) return;
    waiting.delete(answer.id);
    if (!answer.ok) {
      const error = new Error(answer.message);
      error.name = answer.name;
      entry.reject(answer.code === undefined ? error : Object.assign(error, { code: answer.code }));
      return;
    }
    const body =
      answer.body && Buffer.from(answer.body.buffer, answer.body.byteOffset, answer.body.byteLength);
    entry.resolve({ status: answer.status, header: headerReader(answer.headers), body });
  }

  /** Fails requests the thread has not answered well past their own timeout (a stuck thread). */
  function sweep(): void {
    const now = Date.now();
    for (const [id, entry] of waiting) {
      if (entry.deadline > now) continue;
      waiting.delete(id);
      entry.reject(
        Object.assign(new Error('the Graph transport thread did not answer'), { name: 'TimeoutError' }),
      );
    }
    if (waiting.size === 0) {
      // Nothing left to wait for: neither the sweep nor the thread keeps the process alive.
      worker?.unref();
      if (sweeper) clearInterval(sweeper);
      sweeper = null;
    }
  }

  function post(): void {
    scheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    worker ??= start();
    worker.ref();
    worker.postMessage(batch);
  }

  const send: GraphTransport = (request) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve, reject, deadline: Date.now() + request.timeoutMs + THREAD_GRACE_MS });
      queue.push({ id, request });
      sweeper ??= setInterval(sweep, 1_000).unref();
      if (scheduled) return;
      scheduled = true;
      // Posted on the next turn: the sends of every callback of this turn share one message.
      setImmediate(post);
    });

  async function close(): Promise<void> {
    const thread = worker;
    worker = null;
    // Not posted yet: these never left, and may be sent again safely.
    for (const { id } of queue.splice(0)) {
      const entry = waiting.get(id);
      waiting.delete(id);
      entry?.reject(
        Object.assign(new Error('the Graph transport was closed before the request went out'), {
          code: 'ECONNREFUSED',
        }),
      );
    }
    failAll('ECONNRESET', 'the Graph transport thread was stopped');
    if (sweeper) clearInterval(sweeper);
    sweeper = null;
    await thread?.terminate();
  }

  return { send, close };
}
