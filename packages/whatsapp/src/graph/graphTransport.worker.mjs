// The body of the Graph transport thread (see createThreadTransport.ts): runs the HTTP exchanges
// the event loop hands over, on this thread's own keep-alive connections, and answers in batches.
// Plain JavaScript so the same file runs from the sources and from dist.
import { parentPort } from 'node:worker_threads';
import { exchange } from './httpExchange.mjs';

/** Answers settled in this turn of the thread's event loop: they go back in one message. */
let answers = [];
let scheduled = false;

function answer(result) {
  answers.push(result);
  if (scheduled) return;
  scheduled = true;
  setImmediate(() => {
    scheduled = false;
    const batch = answers;
    answers = [];
    parentPort.postMessage(batch);
  });
}

parentPort.on('message', (requests) => {
  for (const { id, request } of requests) {
    exchange(request).then(
      ({ status, headers, body }) => answer({ id, ok: true, status, headers: { ...headers }, body }),
      (error) =>
        answer({
          id,
          ok: false,
          name: error?.name ?? 'Error',
          message: String(error?.message ?? error),
          code: error?.code ?? error?.cause?.code,
        }),
    );
  }
});
