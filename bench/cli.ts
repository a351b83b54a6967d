/**
 * CLI benchmarks. `cli-start` (issue 13): whole `se-attest` processes (bin/se-attest.cjs, the bundled CLI, rebuilt
 * first so the figures are of the current sources), spawn to exit, median of RUNS each, interleaved with bare
 * `node -e 0` runs in the same loop so that both see the same machine load; `added_ms` is the difference of the
 * medians. On a busy machine wall time mostly measures the wait for a core, so each case also reports the CPU
 * time its processes used (`cpu_ms`, mean per run, from the children's user + system time in /proc/self/stat),
 * and `added_cpu_ms` beside the floor's. Each case runs once first, uncounted (`first_run_cpu_ms`): the bundle is
 * freshly built, so that run compiles from source and writes the V8 code cache the measured runs use.
 * `cli-peak-rss` (issue 12): the peak RSS (`process.resourceUsage().maxRSS` of the child) of `extract-hdr` (both
 * search modes), `verify --hdr IMAGE` and `guest add --hdr IMAGE` on a sparse 5 GiB image.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli, ENTRY } from '../scripts/build-cli.mjs';
import { IBM_CERTS, ibmChainOptions } from '../test/support/vectors.js';

const ROOT = new URL('..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/se-attest.cjs');
const INTEROP = join(ROOT, 'test/vectors/interop');
const CERTS = IBM_CERTS;
const RUNS = 11;
const SPARSE_IMAGE_SIZE = 5 * 1024 ** 3;

interface StartCase {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly goalAddedMs: number;
  /** Expected exit code (a case that fails would time an error path). */
  readonly exit?: number;
  /** Extra environment (e.g. SE_ATTEST_CODE_CACHE=off). */
  readonly env?: Readonly<Record<string, string>>;
}

function startCases(out: string): StartCase[] {
  const rs = join(INTEROP, 'rs-min');
  const help = (args: string[]): StartCase => ({
    command: [...args, '--help'].join(' '),
    args: [...args, '--help'],
    cwd: rs,
    goalAddedMs: 30,
  });
  return [
    help([]),
    help(['verify']),
    help(['create']),
    help(['check']),
    help(['extract-hdr']),
    help(['hkd', 'verify']),
    help(['attest']),
    help(['guest', 'list']),
    help(['evidence', 'verify']),
    {
      command: 'verify',
      args: ['verify', '-i', 'resp.bin', '-a', 'arp.key', '--hdr', 'hdr.input', '-o', join(out, 'v.yaml'), '-q'],
      cwd: rs,
      goalAddedMs: 30,
    },
    { command: 'check', args: ['check', 'resp.bin', join(out, 'c.yaml'), '-q'], cwd: rs, goalAddedMs: 30 },
    {
      command: 'extract-hdr',
      args: ['extract-hdr', '-o', join(out, 'x.hdr'), join(INTEROP, 'keys/se-image-plain.img')],
      cwd: rs,
      goalAddedMs: 30,
    },
    {
      command: 'create (1 HKD, --no-verify)',
      args: ['create', '-k', 'host.crt', '--no-verify', '-a', join(out, 'a1'), '-o', join(out, 'r1'), '-q'],
      cwd: CERTS,
      goalAddedMs: 60,
    },
    {
      command: 'create (1 HKD, chain and CRLs verified offline)',
      args: ['create', '-k', 'host.crt', ...ibmChainOptions(), '-a', join(out, 'a2'), '-o', join(out, 'r2'), '-q'],
      cwd: CERTS,
      goalAddedMs: 60,
    },
    // the same two without the code cache (main/cli/code-cache.ts): what the cache is worth
    {
      command: 'create (1 HKD, --no-verify), SE_ATTEST_CODE_CACHE=off',
      args: ['create', '-k', 'host.crt', '--no-verify', '-a', join(out, 'a3'), '-o', join(out, 'r3'), '-q'],
      cwd: CERTS,
      goalAddedMs: 60,
      env: { SE_ATTEST_CODE_CACHE: 'off' },
    },
    {
      command: 'create (1 HKD, verified offline), SE_ATTEST_CODE_CACHE=off',
      args: ['create', '-k', 'host.crt', ...ibmChainOptions(), '-a', join(out, 'a4'), '-o', join(out, 'r4'), '-q'],
      cwd: CERTS,
      goalAddedMs: 60,
      env: { SE_ATTEST_CODE_CACHE: 'off' },
    },
  ];
}

/** CPU time (ms) of the children this process has waited for: cutime + cstime of /proc/self/stat (Linux). */
function childrenCpuMs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
/** USER_HZ, the unit of /proc/self/stat's times (100 on Linux). */
const CLOCK_TICKS = 100;

/** Runs one process; returns its wall time and the CPU time it used, in ms. */
function timeOnce(
  args: readonly string[],
  cwd: string,
  expectExit: number,
  env?: Readonly<Record<string, string>>,
): { wall: number; cpu: number } {
  const cpu0 = childrenCpuMs();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(env ? { env: { ...process.env, ...env } } : {}),
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== expectExit)
    throw new Error(`${args.join(' ')}: exit ${r.status}, expected ${expectExit}: ${r.stderr.toString()}`);
  return { wall, cpu: childrenCpuMs() - cpu0 };
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

const round = (n: number) => Math.round(n * 10) / 10;

async function startupRecords(out: string): Promise<object[]> {
  const cases = startCases(out);
  const floor: { wall: number; cpu: number }[] = [];
  const times = cases.map(() => [] as { wall: number; cpu: number }[]);
  // a first run per case, not counted: it compiles from source and writes the code cache (its CPU is reported)
  const first = cases.map((c) => timeOnce([BIN, ...c.args], c.cwd, c.exit ?? 0, c.env));
  for (let run = 0; run < RUNS; run++) {
    floor.push(timeOnce(['-e', '0'], ROOT, 0));
    cases.forEach((c, i) => times[i]!.push(timeOnce([BIN, ...c.args], c.cwd, c.exit ?? 0, c.env)));
  }
  const floorMs = median(floor.map((t) => t.wall));
  const floorCpu = mean(floor.map((t) => t.cpu));
  return [
    {
      suite: 'cli',
      name: 'cli-start-floor',
      command: 'node -e 0',
      median_ms: round(floorMs),
      cpu_ms: round(floorCpu),
      runs: RUNS,
    },
    ...cases.map((c, i) => {
      const m = median(times[i]!.map((t) => t.wall));
      const cpu = mean(times[i]!.map((t) => t.cpu));
      return {
        suite: 'cli',
        name: 'cli-start',
        command: `se-attest ${c.command}`,
        median_ms: round(m),
        floor_ms: round(floorMs),
        added_ms: round(m - floorMs),
        cpu_ms: round(cpu),
        added_cpu_ms: round(cpu - floorCpu),
        first_run_cpu_ms: round(first[i]!.cpu),
        goal_added_ms: c.goalAddedMs,
        met: m - floorMs <= c.goalAddedMs,
        runs: RUNS,
      };
    }),
  ];
}

/** A sparse file of `size` bytes with `header` at `offset` (nothing else is ever written). */
export function writeSparseImage(path: string, size: number, offset: number, header: Uint8Array): void {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, header, 0, header.length, offset);
    writeSync(fd, new Uint8Array(1), 0, 1, size - 1);
  } finally {
    closeSync(fd);
  }
}

/** Runs the bundled CLI in a child and returns its exit code and peak RSS in MiB. */
function peakRss(args: readonly string[], cwd: string): { code: number | null; peakRssMiB: number } {
  const script =
    `import { runCli } from ${JSON.stringify(join(ROOT, 'dist/cli', ENTRY))};` +
    `const code = await runCli(process.argv.slice(1));` +
    `process.stderr.write('\\nmaxRSS=' + process.resourceUsage().maxRSS + '\\n'); process.exitCode = code;`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, '--', ...args], {
    cwd,
    encoding: 'utf8',
  });
  const m = /maxRSS=(\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no maxRSS from ${args.join(' ')}: ${r.stderr}`);
  return { code: r.status, peakRssMiB: Math.round(Number(m[1]) / 1024) };
}

function rssRecords(dir: string): object[] {
  const image = join(dir, 'sparse-5g.img');
  const header = new Uint8Array(readFileSync(join(INTEROP, 'keys/se.hdr')));
  writeSparseImage(image, SPARSE_IMAGE_SIZE, 0x14000, header);
  copyFileSync(join(INTEROP, 'image-plain/arp.key'), join(dir, 'arp.key'));
  const cases: [string, string[]][] = [
    ['extract-hdr (pvextract-hdr window)', ['extract-hdr', '-o', join(dir, 'w.hdr'), image]],
    ['extract-hdr --search image', ['extract-hdr', '--search', 'image', '-o', join(dir, 'i.hdr'), image]],
    [
      'verify --hdr IMAGE',
      ['verify', '-i', join(INTEROP, 'image-plain/resp.bin'), '-a', join(dir, 'arp.key'), '--hdr', image, '-q'],
    ],
    ['guest add --hdr IMAGE', ['guest', 'add', 'g', '--db', join(dir, 'ws.db'), '--hdr', image]],
  ];
  const floor = peakRss(['--version'], dir);
  return cases.map(([command, args]) => {
    const r = peakRss(args, dir);
    if (r.code !== 0) throw new Error(`${command}: exit ${r.code}`);
    return {
      suite: 'cli',
      name: 'cli-peak-rss',
      command: `se-attest ${command}`,
      image_gib: SPARSE_IMAGE_SIZE / 1024 ** 3,
      peak_rss_mib: r.peakRssMiB,
      floor_rss_mib: floor.peakRssMiB,
      goal_mib: 150,
      met: r.peakRssMiB < 150,
    };
  });
}

/** Returns one record per measured operation. */
export async function runCliBench(): Promise<object[]> {
  await buildCli();
  const dir = mkdtempSync(join(tmpdir(), 'cli-bench-'));
  try {
    return [...(await startupRecords(dir)), ...rssRecords(dir)];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
