/**
 * Secret release from the command line (issue 14): `se-attest release GUEST --secret NAME …` runs configured
 * releases (attest → create → upload → add → lock → attest again → check, or the channel-bound variant), and
 * `se-attest guest release add|list|remove` configures what a stored guest may be given. Values come from a file,
 * standard input or the OS keychain at release time; they are never stored, printed or logged.
 * Exit codes: 0 every release done, 2 a guest did not verify (nothing was sent), 1 any other failure.
 */
import { AttestError } from '../../../shared/errors/index.js';
import {
  RELEASE_KINDS,
  UV_SECRET_KINDS,
  type ReleaseKind,
  type SecretRelease,
  type SecretReleaseInput,
  type UvSecretKind,
  type ValueSource,
} from '../../../shared/types/release.js';
import { systemContext } from '../../engine/crypto/context.js';
import { releaseSecret, type ReleaseProgress } from '../../services/release-secret.js';
import { describeValueSource } from '../../services/release-value.js';
import { openWorkspace, type Store } from '../../services/workspace.js';
import { resolvePath } from '../../fs/index.js';
import { CliExit, EXIT_ATTESTATION_FAILED, EXIT_ERROR, type CliIo } from '../io.js';
import { PASSPHRASE_ENV } from '../options.js';
import { resolveDbPath } from '../../services/db-path.js';

/** `release`'s options as parsed. */
export interface ReleaseRunOptions {
  secret?: string[];
  db?: string;
  force?: boolean;
  online?: boolean;
  trustOnFirstUse?: boolean;
  format: 'text' | 'json';
  quiet?: boolean;
}

/** `guest release add`'s options as parsed. */
export interface ReleaseAddOptions {
  db?: string;
  kind: string;
  type?: string;
  secretName?: string;
  useName?: boolean;
  disableDump?: boolean;
  lock?: boolean;
  pvsecret?: string;
  command?: string;
  hostKeyFile?: string;
  fromFile?: string;
  fromStdin?: boolean;
  fromKeychain?: string;
  cckFromFile?: string;
  cckFromKeychain?: string;
}

function withStore<T>(io: CliIo, db: string | undefined, fn: (store: Store) => T | Promise<T>): Promise<T> {
  const store = openWorkspace(resolveDbPath(io, db));
  return Promise.resolve()
    .then(() => fn(store))
    .finally(() => store.close());
}

function valueSource(io: CliIo, o: ReleaseAddOptions): ValueSource {
  const given = [o.fromFile !== undefined, o.fromStdin === true, o.fromKeychain !== undefined].filter(Boolean).length;
  if (given !== 1)
    throw new AttestError(
      'ERR_CLI_USAGE',
      'give exactly one of --from-file PATH, --from-stdin, --from-keychain SERVICE:ACCOUNT',
    );
  if (o.fromFile !== undefined) return { kind: 'file', path: resolvePath(io.cwd, o.fromFile) };
  if (o.fromStdin) return { kind: 'stdin' };
  const at = o.fromKeychain!.indexOf(':');
  if (at <= 0 || at === o.fromKeychain!.length - 1)
    throw new AttestError(
      'ERR_CLI_USAGE',
      '--from-keychain takes SERVICE:ACCOUNT (as stored with secret-tool or security)',
    );
  return { kind: 'keychain', service: o.fromKeychain!.slice(0, at), account: o.fromKeychain!.slice(at + 1) };
}

/** The release input of `guest release add`. */
export function releaseInputFrom(io: CliIo, name: string, o: ReleaseAddOptions): SecretReleaseInput {
  if (!(RELEASE_KINDS as readonly string[]).includes(o.kind))
    throw new AttestError(
      'ERR_CLI_USAGE',
      `invalid value '${o.kind}' for '--kind' [possible values: ${RELEASE_KINDS.join(', ')}]`,
    );
  const kind = o.kind as ReleaseKind;
  const source = valueSource(io, o);
  if (kind === 'channel')
    return {
      name,
      kind,
      source,
      ...(o.command !== undefined ? { command: o.command } : {}),
      ...(o.hostKeyFile !== undefined ? { hostKeyFile: o.hostKeyFile } : {}),
    };
  if (o.type !== undefined && !(UV_SECRET_KINDS as readonly string[]).includes(o.type))
    throw new AttestError(
      'ERR_SECRET_TYPE_UNKNOWN',
      `invalid value '${o.type}' for '--type' [possible values: ${UV_SECRET_KINDS.join(', ')}]`,
    );
  return {
    name,
    kind,
    source,
    uvKind: (o.type ?? 'plain') as UvSecretKind,
    ...(o.secretName !== undefined ? { secretName: o.secretName } : {}),
    ...(o.useName ? { useName: true } : {}),
    ...(o.disableDump ? { disableDump: true } : {}),
    lock: o.lock === true,
    ...(o.pvsecret !== undefined ? { pvsecretCommand: o.pvsecret } : {}),
    ...(o.cckFromFile !== undefined || o.cckFromKeychain !== undefined
      ? { cckSource: valueSource(io, { kind: o.kind, fromFile: o.cckFromFile, fromKeychain: o.cckFromKeychain }) }
      : {}),
  };
}

function describeRelease(r: SecretRelease): string {
  return `${r.name}\t${r.kind}${r.uvKind ? ` ${r.uvKind}` : ''}\tfrom ${describeValueSource(r.source)}${r.lock ? '\tlock' : ''}\n`;
}

function describeProgress(e: ReleaseProgress): string | undefined {
  if (e.attest) {
    const a = e.attest;
    if (a.status === 'start') return undefined;
    return `[${e.step}/${a.step}] ${a.status}${a.code ? `, ${a.code}` : ''}\n`;
  }
  if (e.status === 'start') return undefined;
  return `[${e.step}] ${e.status}${e.code ? `, ${e.code}` : ''}\n`;
}

/** `release GUEST [--secret NAME …]`. */
export async function runRelease(io: CliIo, guest: string, o: ReleaseRunOptions): Promise<void> {
  await withStore(io, o.db, async (store) => {
    const g = store.guests.get(guest);
    if (!o.secret?.length) {
      // no --secret: what this guest may be given, and what it was given
      for (const r of store.releases.list(g.id)) io.out(describeRelease(r));
      for (const run of store.releases.listRuns({ guestId: g.id, limit: 20 }))
        io.out(
          `run ${run.id}\t${run.startedAt}\t${run.releaseName}\t${run.status}${run.failedStep ? ` at ${run.failedStep} (${run.errorCode})` : ''}\n`,
        );
      return;
    }
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    let exit = 0;
    const results: unknown[] = [];
    try {
      for (const name of o.secret) {
        const passphrase = io.env[PASSPHRASE_ENV];
        const out = await releaseSecret({
          store,
          guest: g.id,
          release: name,
          ctx: systemContext(),
          force: o.force === true,
          online: o.online === true,
          trustOnFirstUse: o.trustOnFirstUse === true,
          ...(passphrase !== undefined ? { passphrase } : {}),
          ...(io.env.SSH_AUTH_SOCK !== undefined ? { agentSocket: io.env.SSH_AUTH_SOCK } : {}),
          values: { cwd: io.cwd, ...(io.readStdin ? { stdin: io.readStdin } : {}) },
          signal: controller.signal,
          onProgress: (e) => {
            const line = o.quiet ? undefined : describeProgress(e);
            if (line) io.err(line);
          },
        });
        results.push(out.run);
        const r = out.run;
        if (r.status === 'released') {
          if (!o.quiet)
            io.err(
              `Released "${r.releaseName}" to ${r.guestName} (run ${r.id}${r.requestSha256 ? `, request SHA-256 ${r.requestSha256}` : ''}${r.bindingSha256 ? `, bound to host key SHA-256 ${r.bindingSha256}` : ''}; gated by attestation${r.checkAttestationId ? `s ${r.gateAttestationId} and ${r.checkAttestationId}` : ` ${r.gateAttestationId}`})\n`,
            );
          continue;
        }
        io.err(
          `error: ${out.error?.message ?? 'release failed'} (${r.errorCode ?? 'ERR_APP_INTERNAL'}) [release run ${r.id}]\n`,
        );
        exit = r.errorCode === 'ERR_RELEASE_NOT_VERIFIED' ? EXIT_ATTESTATION_FAILED : EXIT_ERROR;
        break;
      }
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
    if (o.format === 'json') io.out(`${JSON.stringify(results, null, 2)}\n`);
    if (exit !== 0) throw new CliExit(exit);
  });
}

/** `guest release add GUEST NAME`. */
export async function runReleaseAdd(io: CliIo, guestName: string, name: string, o: ReleaseAddOptions): Promise<void> {
  await withStore(io, o.db, (store) => {
    const g = store.guests.get(guestName);
    const r = store.releases.configure(g.id, releaseInputFrom(io, name, o));
    io.out(
      `release ${r.name} of guest ${g.name}: ${r.kind}${r.uvKind ? ` ${r.uvKind}` : ''}, value from ${describeValueSource(r.source)}\n`,
    );
  });
}

/** `guest release list GUEST`. */
export async function runReleaseList(io: CliIo, guestName: string, o: { db?: string; format: string }): Promise<void> {
  await withStore(io, o.db, (store) => {
    const list = store.releases.list(store.guests.get(guestName).id);
    if (o.format === 'json') return void io.out(`${JSON.stringify(list, null, 2)}\n`);
    for (const r of list) io.out(describeRelease(r));
  });
}

/** `guest release remove GUEST NAME`. */
export async function runReleaseRemove(io: CliIo, guestName: string, name: string, o: { db?: string }): Promise<void> {
  await withStore(io, o.db, (store) => {
    store.releases.remove(store.guests.get(guestName).id, name);
    io.out(`removed release ${name} of guest ${guestName}\n`);
  });
}
