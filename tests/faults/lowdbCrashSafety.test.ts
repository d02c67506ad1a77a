// Issue item 9 — lowdb crash safety: kill -9 while the server commits; every document parses
// after the restart, the last acknowledged webhook is processed, and a second server on the same
// DATA_DIR refuses to start and changes nothing.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '@parley/simulator';
import { echoFlow, echoOf, flowsDirWith } from '../harness/faultFlows.js';
import {
  botTexts,
  removeDir,
  serverEnv,
  startAndAim,
  startFaultSimulator,
  tempDataDir,
} from '../harness/faultRig.js';
import { report, scaled, sleep, waitUntil } from '../harness/faultScale.js';
import { spawnServer } from '../harness/serverProcess.js';

const KILLS = scaled(12, 200);

/** Every file under `dir`: JSON documents must parse whole, JSON-lines files line by line. */
async function unreadableFiles(dir: string): Promise<string[]> {
  const bad: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const text = await readFile(file, 'utf8');
    try {
      if (entry.name.endsWith('.json')) JSON.parse(text);
      else if (entry.name.endsWith('.jsonl'))
        for (const line of text.split('\n')) if (line.trim()) JSON.parse(line);
    } catch {
      bad.push(path.relative(dir, file));
    }
  }
  return bad;
}

/** A digest of every file (name, size, content) under `dir`. */
async function treeDigest(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  const files = entries
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
  for (const file of files) {
    hash.update(path.relative(dir, file));
    hash.update(await readFile(file));
  }
  return hash.digest('hex');
}

/** The outbox lease of a killed sender (30 s) and a margin for the restart. */
const REPLY_AFTER_RESTART_MS = 45_000;

describe('lowdb crash safety', () => {
  let sim: Simulator;
  let flowsDir: string;
  let dataDir: string;
  beforeAll(async () => {
    sim = await startFaultSimulator();
    flowsDir = await flowsDirWith([echoFlow]);
    dataDir = await tempDataDir();
  });
  afterAll(async () => {
    await sim?.close();
    if (flowsDir) await removeDir(flowsDir);
    if (dataDir) await removeDir(dataDir);
  });
  // A reply claimed by a killed server waits the ambiguous-send grace (60 s by default) for a
  // status webhook before it is sent again; this test is about the files and the acknowledged
  // commits, not about that wait, so the grace is short here (a late duplicate is not counted).
  // The claim's lease (30 s) still applies: a reply in flight at the kill goes out after it.
  const env = (dir = dataDir) =>
    serverEnv(sim, {
      DATA_DIR: dir,
      FLOWS_DIR: flowsDir,
      BOT_FLOW: 'echo',
      OUTBOX_AMBIGUOUS_GRACE_SECONDS: '2',
    });

  it(`keeps every document readable and the last acknowledged commit across ${KILLS} kill -9 during commits`, async () => {
    const acked: Array<{ user: string; text: string }> = [];
    let corruptAfterRestart = 0;
    let lastAckMissing = 0;
    for (let round = 0; round < KILLS; round++) {
      const server = await startAndAim(sim, env());
      // The previous round's last acknowledged webhook must come through after this restart.
      const previous = acked.at(-1);
      if (previous) {
        const ok = await waitUntil(
          () => botTexts(sim, previous.user).includes(previous.text),
          REPLY_AFTER_RESTART_MS,
          50,
        );
        if (!ok) lastAckMissing++;
      }
      // Load: 8 users sending in parallel, killed at a random moment in the middle of it.
      let stop = false;
      const senders = Array.from({ length: 8 }, async (_, lane) => {
        for (let n = 0; !stop; n++) {
          const user = `3162${String(round).padStart(3, '0')}${lane}${String(n).padStart(3, '0')}`;
          const text = `r${round} l${lane} n${n}`;
          const sent = await sim.userSends({ waId: user, name: 'Crash' }, text);
          if (sent.status === 200) acked.push({ user, text: echoOf(text) });
          else return;
        }
      });
      await sleep(100 + Math.floor(Math.random() * 400));
      await server.crash();
      stop = true;
      await Promise.all(senders);
      const bad = await unreadableFiles(dataDir);
      if (bad.length) {
        corruptAfterRestart++;
        process.stderr.write(`[faults] unreadable after kill ${round}: ${bad.join(', ')}\n`);
      }
    }
    const server = await startAndAim(sim, env());
    try {
      const last = acked.at(-1)!;
      const lastOk = await waitUntil(
        () => botTexts(sim, last.user).includes(last.text),
        REPLY_AFTER_RESTART_MS,
        50,
      );
      if (!lastOk) lastAckMissing++;
      await waitUntil(() => acked.every((a) => botTexts(sim, a.user).includes(a.text)), 60_000, 200);
      const lost = acked.filter((a) => !botTexts(sim, a.user).includes(a.text)).length;
      report('9 lowdb-crash', {
        kills: KILLS,
        acked: acked.length,
        lost,
        lastAckMissing,
        corruptAfterRestart,
      });
      expect(corruptAfterRestart).toBe(0);
      expect(lastAckMissing).toBe(0);
      expect(lost).toBe(0);
    } finally {
      await server.stop();
    }
  });

  it('refuses a second server on the same DATA_DIR, clearly, and changes nothing', async () => {
    // A folder of its own: the kill test's folder holds replies claimed by killed servers, whose
    // leases run out (and are recovered, changing files) at moments this test cannot control.
    const lockDir = await tempDataDir();
    const first = await startAndAim(sim, env(lockDir));
    try {
      await sim.userSends({ waId: '31630000001', name: 'Lock' }, 'before the second server');
      await waitUntil(() => botTexts(sim, '31630000001').length > 0, 10_000);
      // Let the first server go quiet: lowdb writes documents back up to 2 s after a change.
      await sleep(3500);
      const before = await treeDigest(lockDir);
      const second = spawnServer(env(lockDir));
      const code = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => {
          second.child.kill('SIGKILL');
          resolve(-1);
        }, 30_000);
        second.child.once('exit', (c) => {
          clearTimeout(timer);
          resolve(c);
        });
      });
      const after = await treeDigest(lockDir);
      const message = second.output();
      report('9 second-server', {
        exitCode: code,
        message: message.trim().split('\n').slice(-2).join(' | ').slice(0, 300),
      });
      expect(code).not.toBe(0);
      expect(code).not.toBe(-1); // it must exit by itself, not hang
      expect(message).toMatch(/DATA_DIR|data folder|already|another|lock/i);
      expect(after).toBe(before);
      // The first server still works.
      await sim.userSends({ waId: '31630000001', name: 'Lock' }, 'after the second server');
      expect(
        await waitUntil(
          () => botTexts(sim, '31630000001').includes(echoOf('after the second server')),
          10_000,
        ),
      ).toBe(true);
    } finally {
      await first.stop();
      await removeDir(lockDir);
    }
  });
});
