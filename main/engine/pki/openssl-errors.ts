/**
 * OpenSSL's X509_V_ERR_* verify error numbers the chain check reports (spec §5: `IbmSignInvalid(code, depth)`),
 * by name, and the stable error code and OpenSSL text of each.
 */
import type { ErrorCode } from '../../../shared/errors/index.js';

/** OpenSSL verify error numbers (include/openssl/x509_vfy.h). */
export const X509_V_ERR = {
  UNABLE_TO_GET_ISSUER_CERT: 2,
  UNABLE_TO_GET_CRL: 3,
  CERT_SIGNATURE_FAILURE: 7,
  CRL_SIGNATURE_FAILURE: 8,
  CERT_NOT_YET_VALID: 9,
  CERT_HAS_EXPIRED: 10,
  CRL_NOT_YET_VALID: 11,
  CRL_HAS_EXPIRED: 12,
  DEPTH_ZERO_SELF_SIGNED_CERT: 18,
  SELF_SIGNED_CERT_IN_CHAIN: 19,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 20,
  CERT_CHAIN_TOO_LONG: 22,
  CERT_REVOKED: 23,
  INVALID_CA: 24,
  PATH_LENGTH_EXCEEDED: 25,
  UNHANDLED_CRITICAL_EXTENSION: 34,
  KEYUSAGE_NO_CRL_SIGN: 35,
  /** pvattest's own "chain shorter than 2" failure, reported as X509_V_ERR_APPLICATION_VERIFICATION. */
  APPLICATION_VERIFICATION: 50,
  EE_KEY_TOO_SMALL: 66,
  CA_KEY_TOO_SMALL: 67,
  CA_MD_TOO_WEAK: 68,
  SIGNATURE_ALGORITHM_MISMATCH: 76,
  KU_KEY_CERT_SIGN_INVALID_FOR_NON_CA: 81,
  ISSUER_NAME_EMPTY: 82,
  SUBJECT_NAME_EMPTY: 83,
  MISSING_AUTHORITY_KEY_IDENTIFIER: 84,
  MISSING_SUBJECT_KEY_IDENTIFIER: 85,
  CA_BCONS_NOT_CRITICAL: 88,
  CA_CERT_MISSING_KEY_USAGE: 91,
} as const;

/** One OpenSSL verify error number. */
export type X509VerifyError = (typeof X509_V_ERR)[keyof typeof X509_V_ERR];

const E = X509_V_ERR;

/** Stable code and OpenSSL's text of each verify error. */
const X509_V_ERR_INFO: Readonly<Record<X509VerifyError, { readonly code: ErrorCode; readonly text: string }>> = {
  [E.UNABLE_TO_GET_ISSUER_CERT]: { code: 'ERR_CHAIN_NO_ISSUER', text: 'unable to get issuer certificate' },
  [E.UNABLE_TO_GET_CRL]: { code: 'ERR_CRL_MISSING', text: 'unable to get certificate CRL' },
  [E.CERT_SIGNATURE_FAILURE]: { code: 'ERR_CHAIN_BAD_SIGNATURE', text: 'certificate signature failure' },
  [E.CRL_SIGNATURE_FAILURE]: { code: 'ERR_CRL_BAD_SIGNATURE', text: 'CRL signature failure' },
  [E.CERT_NOT_YET_VALID]: { code: 'ERR_CHAIN_NOT_YET_VALID', text: 'certificate is not yet valid' },
  [E.CERT_HAS_EXPIRED]: { code: 'ERR_CHAIN_EXPIRED', text: 'certificate has expired' },
  [E.CRL_NOT_YET_VALID]: { code: 'ERR_CRL_NOT_YET_VALID', text: 'CRL is not yet valid' },
  [E.CRL_HAS_EXPIRED]: { code: 'ERR_CRL_EXPIRED', text: 'CRL has expired' },
  [E.DEPTH_ZERO_SELF_SIGNED_CERT]: { code: 'ERR_CHAIN_UNTRUSTED_ROOT', text: 'self-signed certificate' },
  [E.SELF_SIGNED_CERT_IN_CHAIN]: {
    code: 'ERR_CHAIN_UNTRUSTED_ROOT',
    text: 'self-signed certificate in certificate chain',
  },
  [E.UNABLE_TO_GET_ISSUER_CERT_LOCALLY]: {
    code: 'ERR_CHAIN_NO_ISSUER',
    text: 'unable to get local issuer certificate',
  },
  [E.CERT_CHAIN_TOO_LONG]: { code: 'ERR_CHAIN_TOO_LONG', text: 'certificate chain too long' },
  [E.CERT_REVOKED]: { code: 'ERR_CHAIN_REVOKED', text: 'certificate revoked' },
  [E.INVALID_CA]: { code: 'ERR_CHAIN_PROFILE', text: 'invalid CA certificate' },
  [E.PATH_LENGTH_EXCEEDED]: { code: 'ERR_CHAIN_PROFILE', text: 'path length constraint exceeded' },
  [E.UNHANDLED_CRITICAL_EXTENSION]: { code: 'ERR_CHAIN_PROFILE', text: 'unhandled critical extension' },
  [E.KEYUSAGE_NO_CRL_SIGN]: { code: 'ERR_CRL_NO_CRLSIGN', text: 'key usage does not include CRL signing' },
  [E.APPLICATION_VERIFICATION]: {
    code: 'ERR_CHAIN_TOO_SHORT',
    text: 'application verification failure (chain shorter than 2)',
  },
  [E.EE_KEY_TOO_SMALL]: { code: 'ERR_CHAIN_WEAK_KEY', text: 'EE certificate key too weak' },
  [E.CA_KEY_TOO_SMALL]: { code: 'ERR_CHAIN_WEAK_KEY', text: 'CA certificate key too weak' },
  [E.CA_MD_TOO_WEAK]: { code: 'ERR_CHAIN_WEAK_DIGEST', text: 'CA signature digest algorithm too weak' },
  [E.SIGNATURE_ALGORITHM_MISMATCH]: { code: 'ERR_CHAIN_PROFILE', text: 'signature algorithm mismatch' },
  [E.KU_KEY_CERT_SIGN_INVALID_FOR_NON_CA]: { code: 'ERR_CHAIN_PROFILE', text: 'keyCertSign asserted by a non-CA' },
  [E.ISSUER_NAME_EMPTY]: { code: 'ERR_CHAIN_PROFILE', text: 'issuer name empty' },
  [E.SUBJECT_NAME_EMPTY]: { code: 'ERR_CHAIN_PROFILE', text: 'subject name empty' },
  [E.MISSING_AUTHORITY_KEY_IDENTIFIER]: { code: 'ERR_CHAIN_PROFILE', text: 'missing authority key identifier' },
  [E.MISSING_SUBJECT_KEY_IDENTIFIER]: { code: 'ERR_CHAIN_PROFILE', text: 'missing subject key identifier' },
  [E.CA_BCONS_NOT_CRITICAL]: { code: 'ERR_CHAIN_PROFILE', text: 'CA basicConstraints not critical' },
  [E.CA_CERT_MISSING_KEY_USAGE]: { code: 'ERR_CHAIN_PROFILE', text: 'CA certificate missing key usage' },
};

/** The stable code and OpenSSL text of a verify error. */
export function x509VerifyErrorInfo(error: X509VerifyError): { readonly code: ErrorCode; readonly text: string } {
  return X509_V_ERR_INFO[error];
}
