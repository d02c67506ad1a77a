import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureServerBuilt } from '../harness/buildServer.js';
import { startServerProcess, type ServerProcess } from '../harness/serverProcess.js';
import { inPool, percentile, report, sleep } from './figures.js';
import { readInboxRows } from './inboxRows.js';
import { repoRoot } from './runChild.js';
import { envelope, messagesChange, signWebhookBody, textBody } from './webhookBodies.js';

const SECRET = 'fuzz-storm-app-secret';
const NUMBER = '100000000000001';
/** `SECURITY_SCALE=full` sends the 10,000 random bodies; CI sends 2,000. */
const RANDOM_BODIES = process.env.SECURITY_SCALE === 'full' ? 10_000 : 2_000;

let server: ServerProcess;
let dataDir: string;
beforeAll(async () => {
  ensureServerBuilt();
  dataDir = await mkdtemp(path.join(tmpdir(), 'parley-fuzz-'));
  await cp(path.join(repoRoot, 'flows'), path.join(dataDir, 'flows'), { recursive: true });
  server = await startServerProcess({
    DATA_DIR: dataDir,
    FLOWS_DIR: path.join(dataDir, 'flows'),
    WHATSAPP_APP_SECRET: SECRET,
    ADMIN_TOKEN: `admin-${randomBytes(16).toString('hex')}`,
    BOT_FLOW: 'welcome',
    LOG_LEVEL: 'error',
  });
});
afterAll(async () => {
  await server?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function rssMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
    return match ? Math.round(Number(match[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

/** One raw POST to /webhook through node:http (so bodies can be chunked and headers odd). */
function post(
  body: Buffer | string,
  headers: Record<string, string>,
  options: { chunked?: boolean } = {},
): Promise<{ status: number; ms: number }> {
  const url = new URL(`${server.url}/webhook`);
  const started = performance.now();
  return new Promise((resolve) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: {
          ...headers,
          ...(options.chunked ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
        },
      },
      (res) => {
        res.resume();
        res.once('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
        res.once('error', () => resolve({ status: res.statusCode ?? -1, ms: performance.now() - started }));
      },
    );
    // A server that answers early and drops the connection is fine: the status already came.
    req.once('error', () => resolve({ status: -1, ms: performance.now() - started }));
    if (options.chunked) {
      const data = Buffer.from(body);
      for (let at = 0; at < data.length; at += 256 * 1024) req.write(data.subarray(at, at + 256 * 1024));
      req.end();
    } else req.end(body);
  });
}

type Case = {
  kind: string;
  body: Buffer | string;
  headers: Record<string, string>;
  chunked?: boolean;
  expect: (status: number) => boolean;
  signed?: boolean;
};

const json = { 'content-type': 'application/json' };
const is4xx = (s: number) => s >= 400 && s < 500;

describe('2. fuzz storm against the built server', () => {
  it('random bytes, truncated JSON, deep nesting, 3.5 MB, wrong types, gzip bombs, bad fields, slowloris: 0 restarts, 0 unsigned rows, all 4xx', async () => {
    const cases: Case[] = [];
    let k = 0;
    const unsignedMessage = () =>
      textBody(NUMBER, { waId: '31670000001', wamid: `wamid.unsigned-${++k}`, text: `unsigned ${k}` });
    for (let i = 0; i < RANDOM_BODIES; i++) {
      const body = randomBytes(Math.floor(Math.random() * 4096));
      cases.push({
        kind: 'random bytes',
        body,
        headers: {
          ...json,
          ...(i % 2 ? { 'x-hub-signature-256': `sha256=${randomBytes(32).toString('hex')}` } : {}),
        },
        expect: is4xx,
      });
    }
    for (let i = 0; i < 200; i++) {
      const full = unsignedMessage();
      const cut = full.slice(0, Math.floor(Math.random() * full.length));
      cases.push({ kind: 'truncated JSON unsigned', body: cut, headers: json, expect: is4xx });
      const signedCut = cut.length > 0 ? cut : '{';
      cases.push({
        kind: 'truncated JSON signed',
        body: signedCut,
        headers: { ...json, 'x-hub-signature-256': signWebhookBody(signedCut, SECRET) },
        expect: (s) => s === 400,
        signed: true,
      });
    }
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    const deepObject = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    cases.push({ kind: 'deep nesting unsigned', body: deep, headers: json, expect: is4xx });
    cases.push({
      kind: 'deep nesting signed',
      body: deep,
      headers: { ...json, 'x-hub-signature-256': signWebhookBody(deep, SECRET) },
      expect: (s) => s < 500,
      signed: true,
    });
    cases.push({
      kind: 'deep object signed',
      body: deepObject,
      headers: { ...json, 'x-hub-signature-256': signWebhookBody(deepObject, SECRET) },
      expect: (s) => s < 500,
      signed: true,
    });
    const big = Buffer.alloc(Math.round(3.5 * 1024 * 1024), 0x20);
    cases.push({ kind: '3.5 MB declared', body: big, headers: json, expect: (s) => s === 413 });
    cases.push({
      kind: '3.5 MB chunked',
      body: big,
      headers: json,
      chunked: true,
      expect: (s) => s === 413 || s === -1,
    });
    cases.push({
      kind: '3.5 MB signed',
      body: big,
      headers: { ...json, 'x-hub-signature-256': signWebhookBody(big, SECRET) },
      expect: (s) => s === 413,
    });
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json-patch+json',
      'application/xml',
      '',
    ]) {
      const body = unsignedMessage();
      cases.push({
        kind: `content type "${type}"`,
        body,
        headers: type
          ? { 'content-type': type, 'x-hub-signature-256': signWebhookBody(body, SECRET) }
          : { 'x-hub-signature-256': signWebhookBody(body, SECRET) },
        expect: is4xx,
      });
    }
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20));
    cases.push({
      kind: 'gzip bomb',
      body: bomb,
      headers: { ...json, 'content-encoding': 'gzip' },
      expect: is4xx,
    });
    cases.push({
      kind: 'gzip bomb signed',
      body: bomb,
      headers: { ...json, 'content-encoding': 'gzip', 'x-hub-signature-256': signWebhookBody(bomb, SECRET) },
      expect: (s) => s < 500,
      signed: true,
    });
    /** A well-formed webhook around one message from 31670000002 whose fields have wrong types. */
    const webhookWithMessage = (message: Record<string, unknown>) => ({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '1',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { phone_number_id: NUMBER, display_phone_number: '1' },
                messages: [{ from: '31670000002', ...message }],
              },
            },
          ],
        },
      ],
    });
    const wrongTypes: unknown[] = [
      { object: 'whatsapp_business_account', entry: 'nope' },
      { object: 'whatsapp_business_account', entry: [{ id: 1, changes: { field: 'messages' } }] },
      {
        object: 'whatsapp_business_account',
        entry: [
          {
            id: '1',
            changes: [
              {
                field: 'messages',
                value: {
                  messages: [{ from: 5, id: null, type: 'text', text: { body: ['x'] } }],
                  metadata: { phone_number_id: 7 },
                },
              },
            ],
          },
        ],
      },
      webhookWithMessage({
        id: 'wamid.wrongtype-ts',
        timestamp: { $gt: 0 },
        type: 'text',
        text: { body: 'x' },
      }),
      webhookWithMessage({
        id: 'wamid.wrongtype-text',
        timestamp: '1',
        type: 'text',
        text: { body: { toString: 'x' } },
      }),
      webhookWithMessage({ id: 'wamid.wrongtype-type', timestamp: '1', type: 'text', text: 'flat string' }),
      {
        __proto__: { polluted: true },
        constructor: { prototype: { polluted: true } },
        object: 'whatsapp_business_account',
        entry: [],
      },
      [],
      'a string',
      12345,
      null,
    ];
    for (const value of wrongTypes) {
      const body = JSON.stringify(value);
      cases.push({
        kind: 'signed wrong field types',
        body,
        headers: { ...json, 'x-hub-signature-256': signWebhookBody(body, SECRET) },
        expect: (s) => s < 500,
        signed: true,
      });
      cases.push({ kind: 'unsigned wrong field types', body, headers: json, expect: is4xx });
    }
    // Controls: properly signed messages interleaved with the storm must still be stored.
    const controls = Array.from({ length: 20 }, (_, i) => `wamid.control-${i}`);
    controls.forEach((wamid, i) => {
      const body = envelope([
        [
          messagesChange(NUMBER, [
            { waId: `3167100${String(i).padStart(4, '0')}`, wamid, text: `control ${i}` },
          ]),
        ],
      ]);
      cases.splice(Math.floor(Math.random() * cases.length), 0, {
        kind: 'valid control',
        body,
        headers: { ...json, 'x-hub-signature-256': signWebhookBody(body, SECRET) },
        expect: (s) => s === 200,
        signed: true,
      });
    });

    const rssBefore = rssMb(server.pid, 'VmRSS');
    const slowloris = runSlowloris(40);
    const started = Date.now();
    const results = await inPool(cases, 24, async (c) => ({
      c,
      ...(await post(c.body, c.headers, { chunked: c.chunked })),
    }));
    const stormMs = Date.now() - started;
    const slow = await slowloris;
    const health = await fetch(`${server.url}/healthz`).then(
      (r) => r.status,
      () => 0,
    );
    const rssAfter = rssMb(server.pid, 'VmRSS');
    const peak = rssMb(server.pid, 'VmHWM');
    const exited = await Promise.race([server.exited.then(() => true), sleep(10).then(() => false)]);

    const wrong = results.filter((r) => !r.c.expect(r.status)).map((r) => `${r.c.kind} → ${r.status}`);
    const byKind: Record<string, Record<number, number>> = {};
    for (const r of results) {
      byKind[r.c.kind] ??= {};
      byKind[r.c.kind]![r.status] = (byKind[r.c.kind]![r.status] ?? 0) + 1;
    }
    const latencies = results.map((r) => r.ms);
    await sleep(1500);
    const rows = await readInboxRows(dataDir);
    const unsignedRows = [...rows.keys()].filter(
      (id) => id.startsWith('wamid.unsigned') || id.startsWith('wamid.wrongtype'),
    );
    report('fuzz storm', {
      requests: results.length,
      stormMs,
      restarts: exited ? 1 : 0,
      healthAfter: health,
      unsignedRowsStored: unsignedRows.length,
      controlsStored: `${controls.filter((c) => rows.has(c)).length}/${controls.length}`,
      statusesByKind: byKind,
      p50Ms: percentile(latencies, 50).toFixed(1),
      p99Ms: percentile(latencies, 99).toFixed(1),
      maxMs: Math.max(...latencies).toFixed(0),
      rssBeforeMb: rssBefore,
      rssAfterMb: rssAfter,
      rssPeakMb: peak,
      slowloris: slow,
    });
    expect(exited).toBe(false);
    expect(health).toBe(200);
    expect(wrong).toEqual([]);
    expect(unsignedRows).toEqual([]);
    expect(controls.filter((c) => !rows.has(c))).toEqual([]);
    expect(slow.legitimateStatus).toBe(200);
    expect(slow.bodyTrickleStatus).toBe(408);
    expect(rssAfter - rssBefore).toBeLessThan(300);
  });
});

/**
 * Slowloris: `count` sockets trickle their headers one byte at a time, and one trickles its body;
 * meanwhile a legitimate signed webhook must be answered at once.
 */
async function runSlowloris(count: number) {
  const url = new URL(server.url);
  const sockets = Array.from({ length: count }, () => connect(Number(url.port), '127.0.0.1'));
  const header = 'POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Slow: ';
  let closedByServer = 0;
  for (const socket of sockets) {
    socket.on('error', () => undefined);
    socket.on('close', () => closedByServer++);
  }
  const trickle = setInterval(() => {
    for (const socket of sockets)
      if (!socket.destroyed)
        socket.write(header[Math.floor(Math.random() * header.length)]!.replace(/[\r\n]/, 'x'));
  }, 300);
  // The body trickle: full headers, then one byte a second; the server's body timeout must end it.
  const bodyTrickle = new Promise<number>((resolve) => {
    const socket = connect(Number(url.port), '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => (answer += d.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(drip);
      resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0));
    });
    socket.write(
      'POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n',
    );
    const drip = setInterval(() => socket.destroyed || socket.write('{'), 1000);
    setTimeout(() => socket.destroy(), 30_000);
  });
  await sleep(1500);
  const body = textBody(NUMBER, { waId: '31672000001', wamid: 'wamid.during-slowloris', text: 'still here' });
  const legitimate = await post(body, { ...json, 'x-hub-signature-256': signWebhookBody(body, SECRET) });
  const bodyTrickleStatus = await bodyTrickle;
  clearInterval(trickle);
  const closedBeforeCleanup = closedByServer;
  for (const socket of sockets) socket.destroy();
  return {
    sockets: count,
    legitimateStatus: legitimate.status,
    legitimateMs: Math.round(legitimate.ms),
    bodyTrickleStatus,
    closedBeforeCleanup,
  };
}
