/**
 * Use case: release a secret to a stored guest only after it verified (issue 14), over one SSH connection.
 *
 * `uv` (an IBM Ultravisor secret): attest with `secret-store-hash` (must be `verified`, policy included) → check
 * that the store holds exactly the requests this workstation added to this instance, unlocked → `pvsecret list`
 * (refuse an ID already present) → read the value → create the add-secret request bound to that attestation's
 * CUID, SE header and host → upload → `pvsecret add` → optional `pvsecret lock` → attest again with
 * `secret-store-hash` (verified) → check that the store holds exactly the expected requests, in order, and is
 * locked when asked.
 *
 * `channel` (e.g. a LUKS passphrase): attest with user data = SHA-256 of the SSH host key the guest reads from
 * its own host-key file on this connection (verified, policy included) → check that it equals the key the guest
 * presented on this connection → write the value from memory to the configured guest command's standard input,
 * over the same connection.
 *
 * Any failed step stops the release, names the step and is recorded; nothing is sent to a guest whose attestation
 * did not verify. The value is read only once the gate passed, and wiped after use.
 */
import { AttestError, isAttestError, type ErrorCode } from '../../shared/errors/index.js';
import { sha256FingerprintDigest } from '../../shared/fingerprint.js';
import type { ReleaseRunRecord, ReleaseStep, SecretRelease } from '../../shared/types/release.js';
import type { AttestationRecord, Guest } from '../../shared/types/store.js';
import { equalBytes, toHex, wipe } from '../engine/bytes.js';
import type { EngineContext } from '../engine/crypto/context.js';
import { sha256 } from '../engine/crypto/primitives.js';
import { checkAttestation } from '../engine/attest/check.js';
import { ASRCB_FLAG_DISABLE_DUMP, ASRCB_TAG_SIZE } from '../engine/formats/asrcb.js';
import { readSeHeaderTags } from '../engine/formats/se-header.js';
import { readHostKeyDocument } from '../engine/pki/host-key-document.js';
import { createAddSecretRequest } from '../engine/secret/add-secret-request.js';
import { secretIdFromName } from '../engine/secret/secret-id.js';
import { associationSecret, retrievableSecret, type GuestSecret } from '../engine/secret/values.js';
import type { Store } from '../store/index.js';
import type { GuestSession, GuestTransport, PerformOnGuestParams } from '../transport/guest-transport.js';
import type { HostKeyPolicy } from '../transport/host-key.js';
import { defaultHostKeyFile, quoteShellArg } from '../transport/remote-commands.js';
import type { AttestGuestProgress } from './attest-guest.js';
import type { RecordedAttestation } from './attest-recorded.js';
import { attestStoredGuest, sshTransportForGuest, type AttestStoredGuestParams } from './attest-stored-guest.js';
import { describeValueSource, readReleaseValue, type ReadValueParams } from './release-value.js';
import { attestationOutcome } from './secret-binding.js';
import { loadHostKeyDocuments } from './trust.js';

const REQUEST_FILE = 'add-secret-request.bin';
const DEFAULT_PVSECRET = 'pvsecret';
const UV_RC = /\(0x([0-9a-fA-F]{4}),0x([0-9a-fA-F]{4})\)/;

/** A transport that can keep one connection open for the whole release. */
export type SessionTransport = GuestTransport & {
  openSession(p: Pick<PerformOnGuestParams, 'signal' | 'onStep'>): Promise<GuestSession>;
};

/** A progress event of a release (secret-free). */
export interface ReleaseProgress {
  readonly guest: string;
  readonly release: string;
  readonly step: ReleaseStep;
  readonly status: 'start' | 'done' | 'failed';
  readonly code?: ErrorCode;
  /** The attestation's own step, during `attest` and `re-attest`. */
  readonly attest?: AttestGuestProgress;
}

/** Inputs of `releaseSecret`. */
export interface ReleaseSecretParams extends Pick<
  AttestStoredGuestParams,
  | 'at'
  | 'online'
  | 'fetchCrl'
  | 'trustOnFirstUse'
  | 'knownHosts'
  | 'decideHostKey'
  | 'passphrase'
  | 'agentSocket'
  | 'timeouts'
  | 'remoteCommand'
> {
  readonly store: Store;
  /** Guest name or id. */
  readonly guest: string | number;
  /** The configured release's name. */
  readonly release: string;
  readonly ctx: EngineContext;
  /** Add even when the guest's store already lists a secret with this ID (pvsecret add's `-f`). */
  readonly force?: boolean;
  /** Where values come from (standard input, keychain, base directory). */
  readonly values?: ReadValueParams;
  /** The guest's transport (default: SSH from the stored guest); must be able to open a session. */
  readonly transportFactory?: (guest: Guest, hostKeys: HostKeyPolicy, jumpHostKeys: HostKeyPolicy) => SessionTransport;
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: ReleaseProgress) => void;
}

/** What a release did; a failed release is a result (its error and step are in `run`), not an exception. */
export interface ReleaseOutcome {
  readonly run: ReleaseRunRecord;
  /** The attestation that gated the release, and (uv) the one that checked the store afterwards. */
  readonly gate?: AttestationRecord;
  readonly check?: AttestationRecord;
  readonly error?: AttestError;
}

/** A failure of one step. */
class StepFailure extends Error {
  constructor(
    readonly step: ReleaseStep,
    readonly error: AttestError,
  ) {
    super(error.message);
  }
}

const fail = (step: ReleaseStep, code: ErrorCode, message: string, details?: Record<string, unknown>): never => {
  throw new StepFailure(step, new AttestError(code, message, details));
};

/** Replaces every occurrence of `secret` in guest text (a command that echoes its input must not leak it). */
function redact(text: string, secret: Uint8Array): string {
  if (secret.length < 4) return text;
  const s = Buffer.from(secret).toString('utf8');
  return s.length === 0 ? text : text.split(s).join('[redacted]');
}

/** Builds the Ultravisor secret of a uv release from its value. */
function uvSecret(release: SecretRelease, value: Uint8Array): GuestSecret {
  const name = release.secretName ?? release.name;
  const useName = release.useName === true;
  if (release.uvKind === 'association') return associationSecret(name, value, useName);
  return retrievableSecret({
    name,
    type: release.uvKind as Exclude<NonNullable<SecretRelease['uvKind']>, 'association'>,
    input: value,
    inputName: describeValueSource(release.source),
    useName,
  });
}

function pickAttestParams(p: ReleaseSecretParams): Partial<AttestStoredGuestParams> {
  const keys = [
    'at',
    'online',
    'fetchCrl',
    'trustOnFirstUse',
    'knownHosts',
    'decideHostKey',
    'passphrase',
    'agentSocket',
    'timeouts',
    'remoteCommand',
  ] as const;
  return Object.fromEntries(
    keys.filter((k) => p[k] !== undefined).map((k) => [k, p[k]]),
  ) as Partial<AttestStoredGuestParams>;
}

/** Releases `p.release` to guest `p.guest`; see the module summary. Throws only for an unknown guest or release. */
export async function releaseSecret(p: ReleaseSecretParams): Promise<ReleaseOutcome> {
  const { store } = p;
  const guest = store.guests.get(p.guest);
  const release = store.releases.get(guest.id, p.release);
  const runId = store.releases.beginRun(guest.id, release);
  const emit = (step: ReleaseStep, status: ReleaseProgress['status'], extra: Partial<ReleaseProgress> = {}) => {
    try {
      p.onProgress?.({ guest: guest.name, release: release.name, step, status, ...extra });
    } catch {
      // listeners never break the run
    }
  };
  const step = async <T>(name: ReleaseStep, fn: () => T | Promise<T>): Promise<T> => {
    if (p.signal?.aborted) fail(name, 'ERR_TRANSPORT_CANCELLED', `the release to ${guest.name} was cancelled`);
    emit(name, 'start');
    try {
      const v = await fn();
      emit(name, 'done');
      return v;
    } catch (e) {
      const failure =
        e instanceof StepFailure
          ? e
          : new StepFailure(
              name,
              isAttestError(e) ? e : new AttestError('ERR_APP_INTERNAL', 'the release step failed'),
            );
      emit(name, 'failed', { code: failure.error.code });
      throw failure;
    }
  };

  let gate: AttestationRecord | undefined;
  let check: AttestationRecord | undefined;
  // One connection for everything: the first attestation opens it, every later step reuses it.
  let session: GuestSession | undefined;
  const channel = release.kind === 'channel';
  const transportFactory = (g: Guest, k: HostKeyPolicy, j: HostKeyPolicy): GuestTransport => {
    const base = (p.transportFactory ?? ((g2, k2, j2) => sshTransportForGuest(g2, k2, j2, p) as SessionTransport))(
      g,
      k,
      j,
    );
    return {
      target: base.target,
      performOnGuest: async (q) => {
        session ??= await base.openSession({
          ...(q.signal ? { signal: q.signal } : {}),
          ...(q.onStep ? { onStep: q.onStep } : {}),
        });
        const keyFile = channel ? (release.hostKeyFile ?? defaultHostKeyFile(session.hostKey.keyType)) : undefined;
        return session.performOnGuest({ ...q, ...(keyFile ? { userDataFromHostKeyFile: keyFile } : {}) });
      },
    };
  };
  const attest = async (name: 'attest' | 're-attest'): Promise<RecordedAttestation> =>
    step(name, async () => {
      const recorded = await attestStoredGuest({
        ...pickAttestParams(p),
        store,
        guest: guest.id,
        ctx: p.ctx,
        noVerify: false,
        ...(channel ? {} : { extraAddData: ['secret-store-hash'] }),
        transportFactory,
        ...(p.signal ? { signal: p.signal } : {}),
        onProgress: (e) => emit(name, 'start', { attest: e }),
      });
      // the attestation that gated (or refused) the release is part of its record, verified or not
      if (name === 'attest') {
        gate = recorded.record;
        store.releases.noteRun(runId, { gateAttestationId: gate.id });
      } else check = recorded.record;
      const outcome = attestationOutcome(recorded.record);
      if (outcome !== 'verified')
        fail(
          name,
          'ERR_RELEASE_NOT_VERIFIED',
          `attestation ${recorded.record.id} of ${guest.name} did not verify (${outcome}${recorded.record.errorCode ? `, ${recorded.record.errorCode}` : ''}${recorded.record.errorMessage ? `: ${recorded.record.errorMessage}` : ''}): nothing was sent`,
          { attestationId: recorded.record.id, outcome, cause: recorded.record.errorCode },
        );
      return recorded;
    });

  let locked = false;
  try {
    const first = await attest('attest');
    const cuid = new Uint8Array(Buffer.from(first.record.cuid!, 'hex'));
    store.releases.noteRun(runId, { cuid });
    if (channel) {
      const open = session!;
      await step('channel-check', () => {
        const presented = sha256FingerprintDigest(open.hostKey.fingerprint) ?? new Uint8Array(0);
        const attested =
          gate!.userData === null ? new Uint8Array(0) : new Uint8Array(Buffer.from(gate!.userData, 'hex'));
        store.releases.noteRun(runId, { bindingSha256: toHex(presented) });
        if (!equalBytes(presented, attested))
          fail(
            'channel-check',
            'ERR_RELEASE_CHANNEL_MISMATCH',
            `the attested user data of ${guest.name} is not the SHA-256 of the host key it presented on this connection (${open.hostKey.fingerprint}): someone may be in between; nothing was sent`,
            { presented: open.hostKey.fingerprint },
          );
      });
      const value = await step('read-value', () => readReleaseValue(release.source, p.values));
      try {
        await step('send', async () => {
          if (value.length === 0)
            fail(
              'send',
              'ERR_RELEASE_VALUE_UNAVAILABLE',
              `the value from ${describeValueSource(release.source)} is empty`,
            );
          const r = await open.runCommand({
            command: () => release.command!,
            stdin: value,
            ...(p.signal ? { signal: p.signal } : {}),
          });
          if (r.exitCode === 127)
            fail(
              'send',
              'ERR_RELEASE_COMMAND_MISSING',
              `the guest command is not installed on ${guest.name}: ${redact(r.stderr, value)}`,
            );
          if (r.exitCode !== 0)
            fail(
              'send',
              'ERR_RELEASE_GUEST_COMMAND_FAILED',
              `the guest command failed on ${guest.name} (exit ${r.exitCode}): ${redact(r.stderr, value) || '(no stderr)'}`,
              { exitCode: r.exitCode },
            );
        });
      } finally {
        wipe(value);
      }
    } else {
      const open = session!;
      const pvsecret = release.pvsecretCommand ?? DEFAULT_PVSECRET;
      const prior = store.releases.addedRequests(guest.id, cuid);
      store.releases.noteRun(runId, {
        priorRequests: prior.map((r) => ({
          sha256: toHex(sha256(r)),
          tag: toHex(r.subarray(r.length - ASRCB_TAG_SIZE)),
        })),
      });
      await step('store-check', () => {
        const named = prior.map((bytes, i) => ({ name: `request ${i + 1}`, bytes }));
        const unlocked = checkAttestation({
          response: first.result!.response,
          secretStore: { requests: named, locked: false },
        });
        if (unlocked.successful) return;
        const locked = checkAttestation({
          response: first.result!.response,
          secretStore: { requests: named, locked: true },
        });
        fail(
          'store-check',
          'ERR_RELEASE_STORE_CHECK_FAILED',
          locked.successful
            ? `the secret store of ${guest.name} is locked: no secret can be added until the guest restarts`
            : `the secret store of ${guest.name} holds requests this workstation did not add (${prior.length} expected): nothing was sent`,
        );
      });
      const secretName = release.secretName ?? release.name;
      const id = release.uvKind ? secretIdFromName(secretName, release.useName === true) : undefined;
      await step('list', async () => {
        const r = await open.runCommand({ command: () => `${pvsecret} list --format yaml` });
        if (r.exitCode === 127)
          fail('list', 'ERR_RELEASE_COMMAND_MISSING', `pvsecret is not installed on ${guest.name} (${pvsecret})`);
        if (r.exitCode !== 0)
          fail(
            'list',
            'ERR_RELEASE_LIST_FAILED',
            `pvsecret list failed on ${guest.name} (exit ${r.exitCode}): ${r.stderr || '(no stderr)'}`,
          );
        const listed = [...r.stdout.matchAll(/^\s*id: (0x[0-9a-fA-F]{64})\s*$/gm)].map((m) => m[1]!.toLowerCase());
        if (id && listed.includes(`0x${toHex(id)}`) && !p.force)
          fail(
            'list',
            'ERR_RELEASE_DUPLICATE_ID',
            `the secret store of ${guest.name} already holds a secret with the ID of "${secretName}" (release with --force to add it again)`,
          );
      });
      const value = await step('read-value', () => readReleaseValue(release.source, p.values));
      let cck: Uint8Array | undefined;
      let made: { bytes: Uint8Array; type: number };
      try {
        if (release.cckSource) {
          const source = release.cckSource;
          cck = await step('read-value', () => readReleaseValue(source, p.values));
        }
        made = await step('create', () => {
          const seHeader = store.attestations.seHeader(gate!.id);
          if (!seHeader)
            fail('create', 'ERR_SEHDR_NOT_FOUND', `attestation ${gate!.id} keeps no SE header to bind the secret to`);
          const attPhkh = gate!.additionalData?.attestationPhkh?.toLowerCase();
          const hkds = loadHostKeyDocuments(store, gate!.hkdSha256).map((h) => readHostKeyDocument(h.der));
          const hosts = attPhkh ? hkds.filter((h) => toHex(h.phkh) === attPhkh) : hkds;
          if (hosts.length === 0)
            fail('create', 'ERR_CREATE_NO_HOST_KEY', `no verified host-key document of ${guest.name}'s host`);
          const secret = uvSecret(release, value);
          try {
            const bytes = createAddSecretRequest({
              secret,
              hostKeys: hosts.map((h) => h.publicCoords),
              bootTags: readSeHeaderTags(seHeader!),
              cuid,
              flags: release.disableDump ? ASRCB_FLAG_DISABLE_DUMP : 0n,
              ...(cck ? { extensionSecret: { kind: 'derived' as const, cck } } : {}),
              ctx: p.ctx,
            }).bytes;
            return { bytes, type: secret.type };
          } finally {
            wipe(secret.value);
          }
        });
      } finally {
        wipe(value);
        wipe(cck);
      }
      const request = made.bytes;
      store.releases.noteRun(runId, { request, secretName, secretType: made.type, ...(id ? { secretId: id } : {}) });
      await step('add', async () => {
        const r = await open.runCommand({
          files: [{ name: REQUEST_FILE, bytes: request }],
          command: (dir) => `umask 077 && ${pvsecret} add ${quoteShellArg(`${dir}/${REQUEST_FILE}`)}`,
        });
        if (r.exitCode === 127)
          fail('add', 'ERR_RELEASE_COMMAND_MISSING', `pvsecret is not installed on ${guest.name} (${pvsecret})`);
        if (r.exitCode !== 0) {
          const m = UV_RC.exec(r.stderr);
          fail(
            'add',
            'ERR_RELEASE_ADD_FAILED',
            `pvsecret add failed on ${guest.name}${m ? ` with Ultravisor rc 0x${m[1]!.toLowerCase()}` : ` (exit ${r.exitCode})`}: ${r.stderr || '(no stderr)'}`,
            { ...(m ? { rc: Number.parseInt(m[1]!, 16), rrc: Number.parseInt(m[2]!, 16) } : {}), exitCode: r.exitCode },
          );
        }
        store.releases.markAdded(runId);
      });
      if (release.lock) {
        await step('lock', async () => {
          const r = await open.runCommand({ command: () => `${pvsecret} lock` });
          if (r.exitCode !== 0) {
            const m = UV_RC.exec(r.stderr);
            fail(
              'lock',
              'ERR_RELEASE_LOCK_FAILED',
              `pvsecret lock failed on ${guest.name}: ${r.stderr || `exit ${r.exitCode}`}`,
              {
                ...(m ? { rc: Number.parseInt(m[1]!, 16) } : {}),
                exitCode: r.exitCode,
              },
            );
          }
          locked = true;
        });
      }
      const second = await attest('re-attest');
      await step('check', () => {
        const requests = [...prior, request].map((bytes, i) => ({ name: `request ${i + 1}`, bytes }));
        const c = checkAttestation({
          response: second.result!.response,
          secretStore: { requests, locked: release.lock === true },
        });
        if (!c.successful)
          fail(
            'check',
            'ERR_RELEASE_STORE_CHECK_FAILED',
            `after the release the secret store of ${guest.name} does not hold exactly the expected ${requests.length} request(s)${release.lock ? ', locked' : ''}: ${c.issues.join('; ')}`,
          );
      });
    }
    const run = store.releases.finishRun(runId, {
      status: 'released',
      locked,
      ...(check ? { checkAttestationId: check.id } : {}),
    });
    return { run, ...(gate ? { gate } : {}), ...(check ? { check } : {}) };
  } catch (e) {
    const failure =
      e instanceof StepFailure
        ? e
        : new StepFailure('attest', isAttestError(e) ? e : new AttestError('ERR_APP_INTERNAL', String(e)));
    const error = new AttestError(
      failure.error.code,
      `release of "${release.name}" to ${guest.name} failed at step "${failure.step}": ${failure.error.message}`,
      { ...failure.error.details, step: failure.step },
    );
    const run = store.releases.finishRun(runId, {
      status: 'failed',
      failedStep: failure.step,
      errorCode: error.code,
      errorMessage: error.message,
      locked,
      ...(check ? { checkAttestationId: check.id } : {}),
    });
    return { run, error, ...(gate ? { gate } : {}), ...(check ? { check } : {}) };
  } finally {
    await session?.close();
  }
}
