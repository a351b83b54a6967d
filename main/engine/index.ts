/** The attestation engine's public surface: pure functions over bytes; randomness and clock injected. */
export * from './bytes.js';
export * from './crypto/context.js';
export * from './crypto/primitives.js';
export * from './crypto/p521.js';
export * from './formats/arcb.js';
export * from './formats/exchange.js';
export * from './formats/se-header.js';
export * from './formats/additional-data.js';
export * from './formats/asrcb.js';
export * from './attest/measurement.js';
export * from './attest/create.js';
export * from './attest/verify.js';
export * from './attest/check.js';
export * from './attest/ultravisor.js';
export * from './pki/host-key-document.js';
export * from './pki/hkd-verifier.js';
export * from './pki/demo-pki.js';
