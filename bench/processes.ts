import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';

export const repoRoot = path.resolve(import.meta.dirname, '..');

export interface ChildServer {
  url: string;
  pid: number;
  /** Peak resident memory of the process so far (VmHWM), in MB. */
  peakRssMb(): number;
  metricsText(): Promise<string>;
  /**
   * Lines the process logged at error or fatal level so far (pino's JSON lines; other output is
   * not counted), with the first few messages: a run whose server logged errors says so, even
   * when nothing was lost.
   */
  loggedErrors(): LoggedErrors;
  stop(): Promise<void>;
}

export interface LoggedErrors {
  count: number;
  first: string[];
}

/** A pino line's `msg`, or the start of the line when it is not one. */
function messageOf(line: string): string {
  try {
    const parsed = JSON.parse(line) as { msg?: unknown };
    if (typeof parsed.msg === 'string') return parsed.msg;
  } catch {
    // not JSON: the line itself
  }
  return line.slice(0, 200);
}

/** Feeds one output stream's chunks, line by line, into `errors` (error and fatal pino lines). */
function errorLineFeeder(errors: LoggedErrors): (chunk: Buffer | string) => void {
  let partial = '';
  return (chunk) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!/"level":"(error|fatal)"/.test(line)) continue;
      errors.count += 1;
      if (errors.first.length < 3) errors.first.push(messageOf(line));
    }
  };
}

/** Reads VmHWM (peak resident set) of a live process from /proc. */
export function peakRssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmHWM:\s+(\d+) kB/.exec(status);
    return match ? Math.round(Number(match[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

function waitForExit(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** USER_HZ, the unit of /proc/<pid>/stat times: 100 on every Linux Node supports. */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU times of a process from /proc/<pid>/stat, in ms: its own (utime + stime) and, with
 * `children`, also that of the children it reaped (cutime + cstime). Null when it cannot be read.
 */
function statCpuMs(
  pid: string | number,
  options: { children?: boolean; command?: string } = {},
): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (options.command && !stat.includes(`(${options.command})`)) return null;
    // Fields after the parenthesised command name; utime, stime, cutime, cstime are the 12th to 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const used = (options.children ? [11, 12, 13, 14] : [11, 12]).reduce(
      (sum, i) => sum + Number(fields[i]),
      0,
    );
    return (used * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** CPU time (user + system) a live process has used so far, in ms; null where /proc is missing. */
export function cpuMs(pid: number): number | null {
  return statCpuMs(pid);
}

/**
 * CPU all PostgreSQL processes of this machine used so far (ms): the live ones and the children the
 * postmaster reaped (backends that ended). Other databases' work counts too: a rough figure.
 */
export function postgresCpuMs(): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name)))
    total += statCpuMs(pid, { children: true, command: 'postgres' }) ?? 0;
  return total;
}
/** Starts a process and waits for a line of its stdout to match; the match gives the port. */
export async function startChild(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  label: string,
) {
  const child = spawn(command, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${label} did not start in 120 s:\n${output.slice(-2000)}`)),
      120_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.length > 100_000) output = output.slice(-50_000);
      const match = ready.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited with ${code}:\n${output.slice(-2000)}`));
    });
  });
  // Keep draining the pipes so the child never blocks on a full buffer; BENCH_CHILD_LOG=dir keeps
  // what each child prints (with BENCH_SERVER_NODE_ARGS=--trace-gc, for instance).
  child.stdout!.removeAllListeners('data');
  child.stderr!.removeAllListeners('data');
  const errors: LoggedErrors = { count: 0, first: [] };
  errorLineFeeder(errors)(`${output}\n`);
  child.stdout!.on('data', errorLineFeeder(errors));
  child.stderr!.on('data', errorLineFeeder(errors));
  const logDir = process.env.BENCH_CHILD_LOG;
  if (logDir) {
    const file = createWriteStream(path.join(logDir, `${label.replace(/\W+/g, '-')}.${child.pid}.log`));
    child.stdout!.pipe(file);
    child.stderr!.pipe(file);
  } else {
    child.stdout!.resume();
    child.stderr!.resume();
  }
  child.removeAllListeners('exit');
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    pid: child.pid!,
    peakRssMb: () => peakRssMb(child.pid!),
    loggedErrors: () => ({ count: errors.count, first: [...errors.first] }),
    async metricsText() {
      const response = await fetch(`${url}/metrics`).catch(() => null);
      return response ? response.text() : '';
    },
    async stop() {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await waitForExit(child);
      clearTimeout(killer);
    },
  } satisfies ChildServer;
}

/** BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server (and the ceiling). */
const serverNodeArgs = () => process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];

/**
 * The V8 flags `npm start` runs the server with (package.json): a 32 MB young generation lets
 * the short-lived objects of a turn (webhook bodies, journal lines, commit units) die there
 * instead of being copied into the old generation, ~10 % less server CPU per reply here. The old
 * generation grows to 1.5× what survived its last full collection instead of V8's adaptive
 * factor (up to 4×, which it picks under a high allocation rate): at 100,000 lowdb conversations
 * (~150 MB live) peak RSS 390–400 MB instead of 630–700 MB, with no throughput change beyond
 * the run-to-run noise.
 * The open loop's slowest replies came in bursts, one with each full collection (every 3–4 s):
 * no allocation-site pretenuring, because loading 100,000 documents at start-up taught V8 that
 * the objects of the sites it used live long, and from then on a turn's short-lived objects
 * were made in the old generation (~20 MB/s of it garbage); and one V8 helper thread, because
 * four helpers marking at once took both cores from the event loop, the file threads and the
 * Graph thread. Open-loop p99 94–124 → 32–48 ms and time-to-200 p99 38–53 → 12–17 ms (lowdb,
 * 100,000 stored, two alternating pairs of full-size runs). On a machine with cores to spare for
 * the server, more helper threads may pay: measure with `BENCH_SERVER_NODE_ARGS=--v8-pool-size=N`.
 */
export const SERVER_NODE_FLAGS = [
  '--max-semi-space-size=32',
  '--heap-growing-percent=50',
  '--no-allocation-site-pretenuring',
  '--v8-pool-size=1',
];

/** The core servers are moved to (`--pin`), or null. */
let pinnedServerCore: number | null = null;

/**
 * `--pin`: every server (Parley's and the ceiling) on the machine's last core, this generator and
 * the simulator (which inherits it) on the others. Comparing two versions of the server is then
 * not blurred by which processes happened to share a core; the default figures stay unpinned.
 */
export function pinLoadGenerator(): void {
  const cores = os.availableParallelism();
  if (cores < 2) throw new Error('--pin needs at least 2 cores.');
  execFileSync('taskset', ['-a', '-p', '-c', `0-${cores - 2}`, String(process.pid)], { stdio: 'ignore' });
  pinnedServerCore = cores - 1;
}

/** Moves a server and all its threads to the server core when `--pin` is on (threads it starts later follow). */
async function pinned(server: Promise<ChildServer>): Promise<ChildServer> {
  const started = await server;
  if (pinnedServerCore !== null)
    execFileSync('taskset', ['-a', '-p', '-c', String(pinnedServerCore), String(started.pid)], {
      stdio: 'ignore',
    });
  return started;
}

/** The production server (`node apps/server/dist/main.js`, built by `npm run build`), started like `npm start`. */
export function startParleyProcess(env: Record<string, string>, label = 'Parley'): Promise<ChildServer> {
  return pinned(
    startChild(
      process.execPath,
      [...SERVER_NODE_FLAGS, ...serverNodeArgs(), path.join(repoRoot, 'apps/server/dist/main.js')],
      {
        ...process.env,
        NODE_ENV: 'production',
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
        HOST: '127.0.0.1',
        PORT: '0',
        ...env,
      },
      /Parley is running: open http:\/\/[^:]+:(\d+)/,
      label,
    ),
  );
}

/** The bare ceiling server (bench/ceilingServer.ts, run through tsx). */
export function startCeilingProcess(env: Record<string, string>): Promise<ChildServer> {
  return pinned(
    startChild(
      process.execPath,
      [...serverNodeArgs(), '--import', 'tsx', path.join(repoRoot, 'bench/ceilingServer.ts')],
      { ...process.env, PORT: '0', ...env },
      /READY (\d+)/,
      'ceiling server',
    ),
  );
}

/** Time the server's main thread was busy since it started, in ms (null when not reported). */
export function eventLoopBusyMs(metrics: string): number | null {
  const match = /^parley_event_loop_busy_seconds\s+([0-9.e+-]+)/m.exec(metrics);
  return match ? Number(match[1]) * 1000 : null;
}

/** Time the server's main thread stood still for garbage collection since it started, in ms. */
export function gcPauseMs(metrics: string): number | null {
  // One line per kind once there was a pause; `name 0` without labels before the first.
  const series = [...metrics.matchAll(/^parley_gc_pause_seconds_total(?:\{[^}]*\})?\s+([0-9.e+-]+)/gm)];
  return series.length === 0 ? null : series.reduce((sum, match) => sum + Number(match[1]) * 1000, 0);
}

/** Max event-loop delay the server reported, in ms. */
export function maxEventLoopDelayMs(metrics: string): number | null {
  const match = /^parley_event_loop_delay_max_seconds\s+([0-9.e+-]+)/m.exec(metrics);
  return match ? Math.round(Number(match[1]) * 1000 * 10) / 10 : null;
}
