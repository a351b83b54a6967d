/**
 * The one function that turns what an attestation attempt showed into its verdict (issue 11). The store's
 * recording, the CLI, the UI, evidence.json, the PDF and `evidence verify` all call `judgeAttestation`, so a
 * policy violation can never be shown as verified anywhere. Pure: plain data in, a `Verdict` out.
 *
 * Order of the policy checks (all are evaluated, the first failure names the verdict's code):
 * host key (HKDs allowed) → required additional data → image PHKH → attestation PHKH → user data.
 */
import {
  ADD_DATA_KEYS,
  ADD_DATA_KINDS,
  type AddDataKind,
  type AttestationPolicy,
} from '../../../shared/types/policy.js';
import type { AttestationAdditionalData } from '../../../shared/types/store.js';
import {
  POLICY_CHECK_CODES,
  type Outcome,
  type PolicyCheckName,
  type PolicyCheckResult,
  type Verdict,
} from '../../../shared/types/verdict.js';

/** Codes that mean the user stopped the run (or refused the guest's host key) before anything was judged. */
export const CANCELLING_CODES: readonly string[] = [
  'ERR_APP_CANCELLED',
  'ERR_APP_HOSTKEY_REJECTED',
  'ERR_TRANSPORT_CANCELLED',
];

/** What the guest's answer showed (hex; null or absent = not present). */
export interface SeenValues {
  userData?: string | null;
  additionalData?: AttestationAdditionalData | null;
  /** SHA-256 (hex) of the HKDs the request was encrypted for, slot order. */
  hkdSha256?: readonly string[];
}

/** Inputs of `judgeAttestation`. */
export type JudgeParams =
  | {
      /** The guest answered and the measurement was checked. */
      readonly kind: 'measured';
      readonly measurementVerified: boolean;
      /** The policy recorded with the attempt (null or absent: nothing beyond the measurement is checked). */
      readonly policy?: AttestationPolicy | null;
      readonly seen: SeenValues;
      /**
       * A policy violation recorded without its policy (store rows from before schema 6, which kept only the
       * ERR_POLICY_* code and message): it stays a violation, with no checks to show. Ignored when `policy` is
       * given (then the checks decide).
       */
      readonly recordedViolation?: { readonly code: string; readonly message?: string | null } | null;
    }
  | {
      /** No answer could be judged: the run failed with `code` (a cancelling code gives `cancelled`). */
      readonly kind: 'failed';
      readonly code: string | null;
      readonly message?: string | null;
    }
  | {
      /** The process recording the attempt died before it finished. */
      readonly kind: 'interrupted';
      readonly message?: string | null;
    };

const lower = (s: string | null | undefined): string | null => (s == null ? null : s.toLowerCase());

function result(
  check: PolicyCheckName,
  passed: boolean,
  expected: string,
  seen: string | null,
  message: string,
): PolicyCheckResult {
  return { check, passed, code: POLICY_CHECK_CODES[check], expected, seen, message };
}

/** Every policy check `policy` asks for, evaluated against `seen`, in the documented order. */
export function evaluatePolicy(policy: AttestationPolicy, seen: SeenValues): PolicyCheckResult[] {
  const out: PolicyCheckResult[] = [];
  const add = seen.additionalData ?? {};
  if (policy.hkdSha256 && policy.hkdSha256.length > 0) {
    const allowed = new Set(policy.hkdSha256.map((s) => s.toLowerCase()));
    const used = (seen.hkdSha256 ?? []).map((s) => s.toLowerCase());
    const other = used.find((s) => !allowed.has(s));
    out.push(
      result(
        'host-key',
        other === undefined,
        [...allowed].join(','),
        used.join(',') || null,
        other === undefined
          ? 'the request was encrypted only for host keys the policy lists'
          : `the request used host key ${other.slice(0, 16)}…, which the policy does not list`,
      ),
    );
  }
  const required = [...new Set(policy.requiredAddData ?? [])];
  if (required.length > 0) {
    const missing = required.filter((k: AddDataKind) => add[ADD_DATA_KEYS[k]] == null);
    const present = required.filter((k) => !missing.includes(k));
    out.push(
      result(
        'add-data',
        missing.length === 0,
        required.join(','),
        present.join(',') || null,
        missing.length === 0
          ? 'every required additional data is present'
          : `required additional data missing from the response: ${missing.join(', ')}`,
      ),
    );
  }
  const compare = (check: PolicyCheckName, expected: string | undefined, actual: string | null, what: string) => {
    if (expected === undefined) return;
    const ok = actual !== null && actual === expected.toLowerCase();
    out.push(
      result(
        check,
        ok,
        expected.toLowerCase(),
        actual,
        ok
          ? `${what} is the expected one`
          : actual === null
            ? `${what} is missing from the response`
            : `${what} differs from the expected one`,
      ),
    );
  };
  compare('image-phkh', policy.expectedImagePhkh, lower(add.imagePhkh), 'the image PHKH');
  compare('attestation-phkh', policy.expectedAttestationPhkh, lower(add.attestationPhkh), 'the attestation PHKH');
  // absent user data is compared as empty, as pvattest reads it
  compare('user-data', policy.expectedUserData, lower(seen.userData ?? ''), 'the user data');
  return out;
}

/**
 * The additional-data kinds a request must ask for so that `policy` can be judged: the required ones, plus
 * `phkh-img` / `phkh-att` when an image / attestation PHKH is expected (else that check could only fail).
 */
export function addDataNeededBy(policy: AttestationPolicy): AddDataKind[] {
  const kinds = new Set<AddDataKind>(policy.requiredAddData ?? []);
  if (policy.expectedImagePhkh !== undefined) kinds.add('phkh-img');
  if (policy.expectedAttestationPhkh !== undefined) kinds.add('phkh-att');
  return ADD_DATA_KINDS.filter((k) => kinds.has(k));
}

/** The outcome of a run that failed with `code` before anything was judged. */
export function outcomeOfFailure(code: string | null): Extract<Outcome, 'error' | 'cancelled'> {
  return code !== null && CANCELLING_CODES.includes(code) ? 'cancelled' : 'error';
}

/** The verdict of one attempt: the single place where an outcome is decided. */
export function judgeAttestation(p: JudgeParams): Verdict {
  if (p.kind === 'interrupted') {
    return {
      outcome: 'interrupted',
      code: null,
      reason: p.message ?? 'the process recording this attestation ended before it finished',
      checks: [],
    };
  }
  if (p.kind === 'failed') {
    const outcome = outcomeOfFailure(p.code);
    return {
      outcome,
      code: p.code,
      reason: p.message ?? (outcome === 'cancelled' ? 'cancelled before the guest was judged' : 'the attempt failed'),
      checks: [],
    };
  }
  if (!p.measurementVerified) {
    return {
      outcome: 'mismatch',
      code: null,
      reason: 'the measurement does not match (wrong image, SE header or ARPK, or an altered response)',
      checks: [],
    };
  }
  if (!p.policy && p.recordedViolation) {
    return {
      outcome: 'policy-violation',
      code: p.recordedViolation.code,
      reason: p.recordedViolation.message ?? 'a policy check failed (the policy was not recorded with this attempt)',
      checks: [],
    };
  }
  const checks = p.policy ? evaluatePolicy(p.policy, p.seen) : [];
  const failed = checks.find((c) => !c.passed);
  if (failed) return { outcome: 'policy-violation', code: failed.code, reason: failed.message, checks };
  return { outcome: 'verified', code: null, reason: 'measurement verified and every policy check passed', checks };
}
