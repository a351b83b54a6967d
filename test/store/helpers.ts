/** Shared helpers of the store tests: temp databases, a seeded store, child processes to kill. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type OpenStoreParams, type Store } from '../../main/store/index.js';

/** A fresh temp folder and a database path in it; `cleanup` removes both. */
export function tempDb(): { dir: string; path: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'se-store-'));
  return { dir, path: join(dir, 'workstation.db'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Bytes of `size` filled with a pattern derived from `seed`. */
export function patternBytes(size: number, seed: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = (seed * 31 + i * 7) & 0xff;
  return b;
}

/** The ARPK `recordAttempt` uses for `seed` (unlike the patterns, it never occurs inside other fields). */
export function arpkFor(seed: number): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`arpk-${seed}`).digest());
}

/** Records one finished attempt for `guestId` with realistic request/response sizes; returns its id. */
export function recordAttempt(
  store: Store,
  guestId: number,
  seed: number,
  status: 'verified' | 'mismatch' | 'error' = 'verified',
): number {
  const id = store.attestations.begin(guestId, {
    hkdSha256: ['aa'.repeat(32)],
    addData: ['phkh-img'],
    request: patternBytes(640, seed),
    arpk: arpkFor(seed),
  });
  store.attestations.finish(id, {
    status,
    errorCode: status === 'error' ? 'ERR_UV_RC' : null,
    response: patternBytes(520, seed + 2),
    cuid: patternBytes(16, seed + 3),
    measurement: patternBytes(64, seed + 4),
    userData: patternBytes(8, seed + 5),
    additionalData: { imagePhkh: patternBytes(32, seed + 6) },
  });
  return id;
}

/** Opens a store at `path` with one guest, one trust item and `attempts` attestations. */
export function seedStore(
  path: string,
  attempts = 3,
  extra: Partial<OpenStoreParams> = {},
): { store: Store; guestId: number; ids: number[] } {
  const store = openStore({ path, ...extra });
  const guest = store.guests.add({
    name: 'guest-a',
    sshTarget: 'root@192.0.2.10',
    identityRef: 'agent',
    tags: ['prod'],
  });
  store.trust.import({
    kind: 'crl',
    der: patternBytes(300, 9),
    subject: null,
    issuer: 'CN=Test CA',
    nextUpdate: '2030-01-01T00:00:00.000Z',
  });
  const ids: number[] = [];
  for (let i = 0; i < attempts; i++) ids.push(recordAttempt(store, guest.id, i * 10));
  return { store, guestId: guest.id, ids };
}

/** Runs a TypeScript child (`node --import tsx`), resolving once a stdout line satisfies `until`. */
export function spawnTsChild(
  script: string,
  args: readonly string[],
  until: (line: string, lines: readonly string[]) => boolean,
): Promise<{ child: ChildProcess; lines: string[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buf = '';
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        lines.push(line);
        if (until(line, lines)) resolve({ child, lines });
      }
    });
    child.on('exit', (code, signal) => reject(new Error(`child ended early (${code ?? signal}): ${stderr}`)));
  });
}

/** Sends SIGKILL and waits until the child is gone; returns the lines it printed meanwhile too. */
export function killChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    // 'close' fires once stdout is drained, so `lines` holds everything the child managed to print.
    child.on('close', () => resolve());
    child.kill('SIGKILL');
  });
}
