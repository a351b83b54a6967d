/**
 * Issue 12 ("Errors without a code", fuzz must-show): every command that reads a file, given a directory, a FIFO
 * (without a writer), /dev/zero (endless) or a sparse 5 GiB file in that file's place, ends with exit 1 and one
 * coded error — never a raw runtime message (`EISDIR: illegal operation on a directory`, `Invalid typed array
 * length: 5368709120`), a hang or a flood of memory. The suite's timeout is only a hang guard.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ErrorCode } from '../../shared/errors/index.js';
import { cli, tempDir } from '../support/cli.js';
import { IBM_CERTS, INTEROP, ibmChainOptions } from '../support/vectors.js';

const tmp = tempDir('se-attest-hostile-');
after(() => tmp.cleanup());

const KEYS = join(INTEROP, 'keys');
const RS = join(INTEROP, 'rs-min');
const CERTS = IBM_CERTS;
const FINGERPRINT = `SHA256:${'A'.repeat(43)}`;

type Kind = 'directory' | 'fifo' | 'dev-zero' | 'sparse-5g';
const KINDS: readonly Kind[] = ['directory', 'fifo', 'dev-zero', 'sparse-5g'];
const hostile: Record<Kind, string> = {
  directory: tmp.path('a-directory'),
  fifo: tmp.path('a-fifo'),
  'dev-zero': '/dev/zero',
  'sparse-5g': tmp.path('sparse-5g.img'),
};

before(() => {
  mkdirSync(hostile.directory);
  execFileSync('mkfifo', [hostile.fifo]);
  const fd = openSync(hostile['sparse-5g'], 'w');
  writeSync(fd, new Uint8Array(1), 0, 1, 5 * 1024 ** 3 - 1);
  closeSync(fd);
  copyFileSync(join(KEYS, 'hostA.key'), tmp.path('id_key'));
});

/** The errors of main/fs for a plain bounded reader. */
const FS: Record<Kind, ErrorCode> = {
  directory: 'ERR_FS_IS_DIRECTORY',
  fifo: 'ERR_FS_NOT_REGULAR_FILE',
  'dev-zero': 'ERR_FS_NOT_REGULAR_FILE',
  'sparse-5g': 'ERR_FS_TOO_LARGE',
};
/** A header reader reads by position: a sparse image is read (its windows), and holds no header. */
const HEADER: Record<Kind, ErrorCode> = { ...FS, 'sparse-5g': 'ERR_SEHDR_NOT_FOUND' };
/** The HKD verifier's input loading (pki area codes). */
const PKI: Record<Kind, ErrorCode> = {
  directory: 'ERR_PKI_READ_FILE',
  fifo: 'ERR_PKI_READ_FILE',
  'dev-zero': 'ERR_PKI_READ_FILE',
  'sparse-5g': 'ERR_PKI_INPUT_TOO_LARGE',
};

interface Reader {
  /** The command and the option that reads the file. */
  readonly name: string;
  readonly args: (bad: string) => string[];
  readonly expect: Partial<Record<Kind, ErrorCode>>;
  readonly cwd?: string;
  /** Exit code per kind when not 1 (a bundle that is no zip is a failed check, exit 2). */
  readonly exit?: Partial<Record<Kind, number>>;
  /** Runs before the command (e.g. a stored guest whose image is the hostile file). */
  readonly setup?: (bad: string, kind: Kind) => Promise<void>;
}

/** A database holding guest `g` whose SE image path is `image` (the header is read from it when attested). */
async function guestWithImage(image: string, kind: Kind): Promise<void> {
  const db = tmp.path(`img-${kind}.db`);
  const run = await cli(
    tmp.dir,
    'guest',
    'add',
    'g',
    '--db',
    db,
    '--target',
    'root@127.0.0.1:1',
    '--identity',
    tmp.path('id_key'),
  );
  assert.equal(run.code, 0, run.stderr);
  const edit = await cli(tmp.dir, 'guest', 'edit', 'g', '--db', tmp.path(`img-${kind}.db`), '--image', image);
  assert.equal(edit.code, 0, edit.stderr);
}

const verifyChain = ibmChainOptions;
const createWith = (k: string, chain: string[]) => [
  'create',
  '-k',
  k,
  ...chain,
  '-a',
  tmp.path('a'),
  '-o',
  tmp.path('r'),
];
const hkdVerifyWith = (k: string, chain: string[]) => ['hkd', 'verify', '-k', k, ...chain];
const adHoc = (over: Record<string, string>) => [
  'attest',
  '--guest',
  'root@127.0.0.1:1',
  '--host-key-fingerprint',
  FINGERPRINT,
  '-k',
  over['-k'] ?? join(KEYS, 'hostA.crt'),
  '--no-verify',
  '--hdr',
  over['--hdr'] ?? join(KEYS, 'se.hdr'),
  '--identity',
  over['--identity'] ?? tmp.path('id_key'),
  ...(over['--user-data'] ? ['--user-data', over['--user-data']] : []),
  ...(over['--known-hosts'] ? ['--known-hosts', over['--known-hosts']] : []),
  ...(over['--db'] ? ['--db', over['--db']] : []),
  '--connect-timeout',
  '5',
];
const verifyArgs = (over: Record<string, string>) => [
  'verify',
  '-i',
  over['-i'] ?? 'resp.bin',
  '-a',
  over['-a'] ?? 'arp.key',
  '--hdr',
  over['--hdr'] ?? 'hdr.input',
];
const performArgs = (over: Record<string, string>) => [
  'perform',
  '-i',
  over['-i'] ?? join(RS, 'req.bin'),
  '-o',
  tmp.path('resp.out'),
  '--host-key',
  over['--host-key'] ?? join(KEYS, 'hostA.key'),
  '--hdr',
  over['--hdr'] ?? join(KEYS, 'se.hdr'),
  ...(over['-u'] ? ['-u', over['-u']] : []),
  ...(over['--secret'] ? ['--secret', over['--secret'], '--secret-store-locked', 'false'] : []),
];

const READERS: readonly Reader[] = [
  { name: 'verify -i', args: (b) => verifyArgs({ '-i': b }), expect: FS, cwd: RS },
  { name: 'verify -a', args: (b) => verifyArgs({ '-a': b }), expect: FS, cwd: RS },
  { name: 'verify --hdr', args: (b) => verifyArgs({ '--hdr': b }), expect: HEADER, cwd: RS },
  {
    name: 'verify --dialect c --hdr',
    args: (b) => [...verifyArgs({ '--hdr': b }), '--dialect', 'c'],
    expect: { ...HEADER, 'sparse-5g': 'ERR_SEHDR_INVALID' },
    cwd: RS,
  },
  { name: 'check IN', args: (b) => ['check', b, tmp.path('c.yaml')], expect: FS },
  { name: 'check -k', args: (b) => ['check', join(RS, 'resp.bin'), tmp.path('c.yaml'), '-k', b], expect: FS },
  { name: 'check -u', args: (b) => ['check', join(RS, 'resp.bin'), tmp.path('c.yaml'), '-u', b], expect: FS },
  {
    name: 'check --secret',
    args: (b) => ['check', join(RS, 'resp.bin'), tmp.path('c.yaml'), '--secret', b, '--secret-store-locked', 'false'],
    expect: FS,
  },
  {
    name: 'check --firmware (IN)',
    args: (b) => ['check', b, tmp.path('c.yaml'), '--firmware', '--firmware-verify-url', 'http://127.0.0.1:1'],
    expect: FS,
  },
  { name: 'extract-hdr IMAGE', args: (b) => ['extract-hdr', '-o', tmp.path('x.hdr'), b], expect: HEADER },
  {
    name: 'extract-hdr --search image IMAGE',
    args: (b) => ['extract-hdr', '--search', 'image', '-o', tmp.path('x.hdr'), b],
    expect: HEADER,
  },
  { name: 'perform -i', args: (b) => performArgs({ '-i': b }), expect: FS },
  { name: 'perform --host-key', args: (b) => performArgs({ '--host-key': b }), expect: FS },
  { name: 'perform --hdr', args: (b) => performArgs({ '--hdr': b }), expect: HEADER },
  { name: 'perform -u', args: (b) => performArgs({ '-u': b }), expect: FS },
  { name: 'perform --secret', args: (b) => performArgs({ '--secret': b }), expect: FS },
  { name: 'create -k (--no-verify)', args: (b) => createWith(b, ['--no-verify']), expect: FS },
  { name: 'create -k (verified)', args: (b) => createWith(b, verifyChain({})), expect: PKI },
  { name: 'create -C', args: (b) => createWith(join(CERTS, 'host.crt'), verifyChain({ '-C': b })), expect: PKI },
  { name: 'create --crl', args: (b) => createWith(join(CERTS, 'host.crt'), verifyChain({ '--crl': b })), expect: PKI },
  {
    name: 'create --root-ca',
    args: (b) => createWith(join(CERTS, 'host.crt'), verifyChain({ '--root-ca': b })),
    expect: PKI,
  },
  { name: 'hkd verify -k', args: (b) => hkdVerifyWith(b, verifyChain({})), expect: PKI },
  { name: 'hkd verify -C', args: (b) => hkdVerifyWith(join(CERTS, 'host.crt'), verifyChain({ '-C': b })), expect: PKI },
  {
    name: 'hkd verify --crl',
    args: (b) => hkdVerifyWith(join(CERTS, 'host.crt'), verifyChain({ '--crl': b })),
    expect: PKI,
  },
  {
    name: 'hkd verify --root-ca',
    args: (b) => hkdVerifyWith(join(CERTS, 'host.crt'), verifyChain({ '--root-ca': b })),
    expect: PKI,
  },
  { name: 'trust import FILE', args: (b) => ['trust', 'import', '--db', tmp.path('t.db'), b], expect: FS },
  { name: 'guest add --hdr', args: (b) => ['guest', 'add', 'g', '--db', tmp.path('g.db'), '--hdr', b], expect: HEADER },
  {
    name: 'guest list --db',
    args: (b) => ['guest', 'list', '--db', b],
    expect: { ...FS, 'sparse-5g': 'ERR_STORE_OPEN' },
  },
  { name: 'history --db', args: (b) => ['history', 'g', '--db', b], expect: { ...FS, 'sparse-5g': 'ERR_STORE_OPEN' } },
  {
    name: 'audit verify --db',
    args: (b) => ['audit', 'verify', '--db', b],
    expect: { ...FS, 'sparse-5g': 'ERR_STORE_OPEN' },
  },
  {
    name: 'guest edit --hdr',
    args: (b) => ['guest', 'edit', 'g', '--db', tmp.path('e.db'), '--hdr', b],
    expect: HEADER,
    setup: async () => void (await cli(tmp.dir, 'guest', 'add', 'g', '--db', tmp.path('e.db'))),
  },
  {
    name: "attest NAME (the guest's SE image)",
    args: (b) => {
      const kind = KINDS.find((k) => hostile[k] === b)!;
      return ['attest', 'g', '--db', tmp.path(`img-${kind}.db`), '--no-verify', '--trust-on-first-use'];
    },
    expect: HEADER,
    setup: guestWithImage,
  },
  {
    name: 'attest NAME --user-data',
    args: (b) => ['attest', 'g', '--db', tmp.path('ud.db'), '--user-data', b],
    expect: FS,
    setup: async () => void (await cli(tmp.dir, 'guest', 'add', 'g', '--db', tmp.path('ud.db'))),
  },
  { name: 'attest --hdr', args: (b) => adHoc({ '--hdr': b }), expect: HEADER },
  { name: 'attest -k', args: (b) => adHoc({ '-k': b }), expect: FS },
  { name: 'attest --identity', args: (b) => adHoc({ '--identity': b }), expect: FS },
  { name: 'attest --user-data', args: (b) => adHoc({ '--user-data': b }), expect: FS },
  { name: 'attest --known-hosts', args: (b) => adHoc({ '--known-hosts': b }), expect: FS },
  { name: 'attest --db', args: (b) => adHoc({ '--db': b }), expect: { ...FS, 'sparse-5g': 'ERR_STORE_OPEN' } },
  {
    name: 'evidence verify --trusted-key',
    args: (b) => ['evidence', 'verify', tmp.path('no-bundle'), '--trusted-key', b],
    expect: FS,
  },
  {
    name: 'evidence verify DIR_OR_ZIP',
    args: (b) => ['evidence', 'verify', b],
    expect: {
      fifo: 'ERR_FS_NOT_REGULAR_FILE',
      'dev-zero': 'ERR_FS_NOT_REGULAR_FILE',
      'sparse-5g': 'ERR_EVIDENCE_BUNDLE_UNREADABLE',
    },
    exit: { 'sparse-5g': 2 },
  },
  {
    name: 'evidence export --db',
    args: (b) => ['evidence', 'export', '--db', b, '--from', '2027-01-01', '--to', '2027-12-31', '-o', tmp.path('ev')],
    expect: { ...FS, 'sparse-5g': 'ERR_STORE_OPEN' },
  },
];

describe('hostile files in the place of every file a command reads (issue 12)', { timeout: 300_000 }, () => {
  for (const reader of READERS) {
    for (const kind of KINDS) {
      const code = reader.expect[kind];
      if (code === undefined) continue;
      test(`${reader.name} ← ${kind}: ${code}`, async () => {
        await reader.setup?.(hostile[kind], kind);
        const run = await cli(reader.cwd ?? tmp.dir, ...reader.args(hostile[kind]));
        assert.equal(run.code, reader.exit?.[kind] ?? 1, `exit code; stderr: ${run.stderr}`);
        assert.match(run.stderr, new RegExp(`\\(${code}\\)`), run.stderr);
        assert.doesNotMatch(run.stderr, /EISDIR|illegal operation|Invalid typed array length|ERR_CLI_/);
        const lines = run.stderr.trimEnd().split('\n');
        assert.ok(lines.length <= 4, `a short, coded message, not a dump: ${run.stderr}`);
      });
    }
  }
});
