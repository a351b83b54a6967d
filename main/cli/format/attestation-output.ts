/**
 * The text pvattest prints for `verify` and `check`: the YAML result files (byte-identical to Rust pvattest
 * 2.43, spec §9.3 and §10.3), the human summary on stderr, and our JSON variant.
 */
import type { AttestationCheck } from '../../engine/attest/check.js';
import type { AttestationVerification } from '../../engine/attest/verify.js';
import type { AdditionalDataFields } from '../../engine/formats/additional-data.js';
import { CliExit, EXIT_ATTESTATION_FAILED, type CliIo } from '../io.js';
import { emitYaml, hexString, type YamlMapping, type YamlValue } from './yaml.js';

const ADD_FIELD_ORDER: readonly [keyof AdditionalDataFields, string, string][] = [
  ['imagePhkh', 'image_phkh', 'Image PHKH'],
  ['attestationPhkh', 'attestation_phkh', 'Attestation PHKH'],
  ['secretStoreHash', 'secret_store_hash', 'Secret store hash'],
  ['firmwareState', 'firmware_state', 'Firmware state'],
  ['unrecognized', 'unrecognized', 'Unrecognized'],
];

/** The verify result as pvattest's `AttestationResult` key/value list. */
function verifyEntries(v: AttestationVerification): [string, YamlValue][] {
  const entries: [string, YamlValue][] = [['cuid', hexString(v.cuid)]];
  if (v.additionalData) {
    entries.push(['add', hexString(v.additionalData)]);
    const fields: [string, YamlValue][] = [];
    for (const [key, yamlKey] of ADD_FIELD_ORDER) {
      const value = v.additional?.[key];
      if (value) fields.push([yamlKey, hexString(value)]);
    }
    entries.push(['add_fields', fields]);
  }
  if (v.userData) entries.push(['user_data', hexString(v.userData)]);
  return entries;
}

/** The YAML `pvattest verify -o` writes. */
export function formatVerifyYaml(v: AttestationVerification): string {
  return emitYaml(verifyEntries(v));
}

/** The YAML C pvattest (≤ 2.32) writes: `cuid` and, with additional data, `add`; values always single-quoted. */
export function formatVerifyYamlC(v: AttestationVerification): string {
  let out = `cuid: '${hexString(v.cuid)}'\n`;
  if (v.additionalData) out += `add: '${hexString(v.additionalData)}'\n`;
  return out;
}

/** Our JSON form of the same result (keys as in the YAML, plus `verified`). */
export function formatVerifyJson(v: AttestationVerification): string {
  const obj: Record<string, unknown> = { verified: v.verified };
  for (const [k, value] of verifyEntries(v)) {
    obj[k] = typeof value === 'string' ? value : Object.fromEntries(value as YamlMapping);
  }
  return `${JSON.stringify(obj, null, 2)}\n`;
}

/** The human summary Rust pvattest prints on stderr after "Attestation measurement verified". */
export function formatVerifySummary(v: AttestationVerification): string {
  let msg = `Config UID:\n${hexString(v.cuid)}\n`;
  if (v.additionalData) {
    msg += `Additional-data:\n${hexString(v.additionalData)}\nAdditional-data content:\n`;
    for (const [key, , name] of ADD_FIELD_ORDER) {
      const value = v.additional?.[key];
      if (value) msg += `${name}\n${hexString(value)}\n`;
    }
  }
  msg += '\n';
  if (v.userData) msg += `user-data:\n${hexString(v.userData)}\n`;
  return `${msg}\n`;
}

/**
 * pvattest's stderr for a verification: on a mismatch one line, then exit 2 (CliExit); on a match
 * "Attestation measurement verified" and the summary. `quiet` prints nothing.
 */
export function reportVerificationOutcome(io: CliIo, v: AttestationVerification, quiet = false): void {
  if (!v.verified) {
    if (!quiet)
      io.err(
        'Attestation measurement verification failed. Calculated and received attestation measurement are not equal.\n',
      );
    throw new CliExit(EXIT_ATTESTATION_FAILED);
  }
  if (!quiet) io.err(`Attestation measurement verified\n${formatVerifySummary(v)}`);
}

/** The YAML `pvattest check` writes (spec §10.3). */
export function formatCheckYaml(c: AttestationCheck): string {
  const entries: [string, YamlValue][] = [['successful', c.successful]];
  if (c.issues.length > 0) entries.push(['issues', [...c.issues]]);
  const hostKey = (r: NonNullable<AttestationCheck['imageHostKey']>): YamlMapping => {
    const m: [string, YamlValue][] = [['check_enforced', r.checkEnforced]];
    if (r.hash !== undefined) m.push(['hash', r.hash]);
    return m;
  };
  if (c.imageHostKey) entries.push(['image_host_key', hostKey(c.imageHostKey)]);
  if (c.attestHostKey) entries.push(['attest_host_key', hostKey(c.attestHostKey)]);
  if (c.userData) entries.push(['user_data', hexString(c.userData)]);
  if (c.secretStore) {
    entries.push([
      'secret_store',
      [
        ['add_secret_requests', [...c.secretStore.addSecretRequests]],
        ['locked', c.secretStore.locked],
      ],
    ]);
  }
  if (c.validFirmware !== undefined) entries.push(['valid_firmware', c.validFirmware]);
  return emitYaml(entries);
}

/** The ✘/✓ lines `pvattest check` prints on stderr. */
export function formatCheckStderr(c: AttestationCheck): string {
  const lines = c.issues.map((i) => `✘ ${i}`);
  lines.push(
    c.successful
      ? '✓ The Attestation response fulfills all policies'
      : '✘ The Attestation response does not fulfill all policies',
  );
  return `${lines.join('\n')}\n`;
}
