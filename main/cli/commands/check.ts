/**
 * `se-attest check` (pvattest check, spec §10): policies on a response — host-key hashes against `-k` HKDs,
 * user data, the secret store, and with `--firmware` the firmware state as judged by IBM's firmware
 * verification server (or `--firmware-verify-url`). Nothing is sent anywhere unless `--firmware` is given and
 * the response carries a firmware state. The YAML is written only after every check ran (exit 0 or 2).
 */
import { AttestError } from '../../../shared/errors/index.js';
import {
  FIRMWARE_CHECK_VERSIONS,
  checkAttestation,
  withFirmwareCheck,
  type CheckHostKey,
  type FirmwareCheckVersion,
} from '../../engine/attest/check.js';
import { MAX_EXCHANGE_SIZE } from '../../engine/formats/exchange.js';
import { readFileBounded } from '../../fs/index.js';
import { naming, writeFileChecked } from '../files.js';
import { formatCheckStderr, formatCheckYaml } from '../format/attestation-output.js';
import { CliExit, EXIT_ATTESTATION_FAILED, type CliIo } from '../io.js';
import { parseBool } from '../options.js';

/** Host-key documents, user data and add-secret requests are small; larger files are not read. */
const MAX_SMALL_FILE = 1024 * 1024;

/** `check`'s options as parsed. */
export interface CheckOptions {
  input?: string;
  output?: string;
  hostKeyDocument?: string[];
  hostKeyCheck?: string[];
  userData?: string;
  secret?: string[];
  secretStoreLocked?: string;
  firmware?: boolean;
  firmwareCheckVersion?: string;
  fwVer?: string;
  firmwareVerifyUrl?: string;
  firmwareTimeout?: string;
  format: string;
  quiet?: boolean;
}

const MISSING = 'the following required arguments were not provided:';

/** The firmware options, checked as pvattest's clap rules do; undefined without `--firmware`. */
function firmwareOptions(
  opts: CheckOptions,
): { version: FirmwareCheckVersion; url?: string; timeoutMs?: number } | undefined {
  if (opts.firmwareCheckVersion !== undefined && opts.fwVer !== undefined)
    throw new AttestError(
      'ERR_CLI_USAGE',
      "the argument '--firmware-check-version <VERSION>' cannot be used multiple times (--fw-ver is its alias)",
    );
  const versionText = opts.firmwareCheckVersion ?? opts.fwVer;
  if (!opts.firmware) {
    if (versionText !== undefined || opts.firmwareVerifyUrl !== undefined || opts.firmwareTimeout !== undefined)
      throw new AttestError('ERR_CLI_USAGE', `${MISSING} --firmware`);
    return undefined;
  }
  const version = Number(versionText ?? '1');
  if (!(FIRMWARE_CHECK_VERSIONS as readonly number[]).includes(version) || !/^[0-9]+$/.test(versionText ?? '1'))
    throw new AttestError(
      'ERR_CLI_USAGE',
      `invalid value '${versionText}' for '--firmware-check-version <VERSION>' [possible values: 1, 2]`,
    );
  let timeoutMs: number | undefined;
  if (opts.firmwareTimeout !== undefined) {
    const s = Number(opts.firmwareTimeout);
    if (!Number.isFinite(s) || s <= 0 || s > 3600)
      throw new AttestError('ERR_CLI_USAGE', '--firmware-timeout must be a number of seconds between 0 and 3600');
    timeoutMs = Math.round(s * 1000);
  }
  return {
    version: version as FirmwareCheckVersion,
    ...(opts.firmwareVerifyUrl !== undefined ? { url: opts.firmwareVerifyUrl } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  };
}

/** Runs `check`; failed policies end with exit 2 (CliExit). */
export async function runCheck(io: CliIo, opts: CheckOptions, positional: string[]): Promise<void> {
  const input = opts.input ?? positional[0];
  const output = opts.output ?? positional[opts.input ? 0 : 1];
  if (!input || !output) throw new AttestError('ERR_CLI_USAGE', `${MISSING} <IN> <OUT>`);
  if (opts.format !== 'yaml')
    throw new AttestError(
      'ERR_CLI_USAGE',
      `invalid value '${opts.format}' for '--format <FORMAT>' [possible values: yaml]`,
    );
  const checks = opts.hostKeyCheck ?? [];
  for (const c of checks) {
    if (c !== 'att-key-hash' && c !== 'boot-key-hash') {
      throw new AttestError(
        'ERR_CLI_USAGE',
        `invalid value '${c}' for '--host-key-check' [possible values: att-key-hash, boot-key-hash]`,
      );
    }
  }
  if (checks.length > 0 && !opts.hostKeyDocument?.length)
    throw new AttestError('ERR_CLI_USAGE', `${MISSING} --host-key-document <FILE>`);
  if (opts.secret?.length && opts.secretStoreLocked === undefined)
    throw new AttestError('ERR_CLI_USAGE', `${MISSING} --secret-store-locked <LOCKED>`);
  const firmware = firmwareOptions(opts);
  const files = { cwd: io.cwd };
  const response = readFileBounded(input, MAX_EXCHANGE_SIZE, files);
  let hostKeys: CheckHostKey[] = [];
  if (opts.hostKeyDocument?.length) {
    const { readHostKeyDocument } = await import('../../engine/pki/host-key-document.js');
    hostKeys = opts.hostKeyDocument.map((path) => ({
      name: path,
      phkh: naming(path, () => readHostKeyDocument(readFileBounded(path, MAX_SMALL_FILE, files)).phkh),
    }));
  }
  const secretStore =
    opts.secretStoreLocked === undefined
      ? undefined
      : {
          locked: parseBool(opts.secretStoreLocked, '--secret-store-locked'),
          requests: (opts.secret ?? []).map((path) => ({
            name: path,
            bytes: readFileBounded(path, MAX_SMALL_FILE, files),
          })),
        };
  let result = naming(input, () =>
    checkAttestation({
      response,
      hostKeys,
      enforceImageKeyHash: checks.includes('boot-key-hash'),
      enforceAttestationKeyHash: checks.includes('att-key-hash'),
      ...(opts.userData ? { expectedUserData: readFileBounded(opts.userData, MAX_SMALL_FILE, files) } : {}),
      ...(secretStore ? { secretStore } : {}),
    }),
  );
  if (firmware) {
    const state = result.additional?.firmwareState;
    // No firmware state in the response: an issue, and nothing is sent anywhere.
    let verdict;
    if (state !== undefined) {
      const { verifyFirmwareState } = await import('../../services/firmware-verify.js');
      verdict = await verifyFirmwareState({ firmwareState: state, ...firmware });
    }
    result = withFirmwareCheck(result, verdict);
  }
  writeFileChecked(io.cwd, output, formatCheckYaml(result));
  if (!opts.quiet) io.err(formatCheckStderr(result));
  if (!result.successful) throw new CliExit(EXIT_ATTESTATION_FAILED);
}
