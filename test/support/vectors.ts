/** Paths and loaders for the checked-in test vectors (IBM s390-tools data files and the interop set). */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const VECTORS = new URL('../vectors/', import.meta.url).pathname;
export const PV_ASSETS = join(VECTORS, 's390-tools/rust/pv/tests/assets');
export const PVATTEST_ASSETS = join(VECTORS, 's390-tools/rust/pvattest/tests/assets');
export const INTEROP = join(VECTORS, 'interop');

/** Bytes of a vector file, by path relative to test/vectors/. */
export function vector(relative: string): Uint8Array {
  return new Uint8Array(readFileSync(join(VECTORS, relative)));
}

/** Text of a vector file. */
export function vectorText(relative: string): string {
  return readFileSync(join(VECTORS, relative), 'utf8');
}

/** The interop case folders (each with req.bin, arp.key, resp.bin, hdr.input, expected.exit[, expected.yaml]). */
export function interopCases(): string[] {
  return readdirSync(INTEROP, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'keys')
    .map((d) => d.name)
    .sort();
}

/** Hex → bytes. */
export function hex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}

/** IBM's add-secret request vectors (`rust/pv/tests/assets/exp/asrcb/`) in the order s390-tools' secret-store test adds them. */
export const ASRCB_ORDER = [
  'assoc_derived_default_cuid_one',
  'assoc_simple_default_cuid_one',
  'null_none_default_cuid_one',
  'null_none_default_ncuid_one',
  'null_simple_default_cuid_one',
  'assoc_none_default_cuid_one',
  'null_derived_default_cuid_one',
  'null_none_default_cuid_seven',
  'null_none_dump_cuid_one',
] as const;

/** IBM's HKD fixtures (host.crt, ibm.crt, inter_ca.crt, their CRLs, root_ca.chained.crt). */
export const IBM_CERTS = join(PV_ASSETS, 'cert');
/** A time at which IBM's fixture chain and CRLs are valid. */
export const IBM_CHAIN_AT = '2026-11-26T00:00:00Z';

/** pvattest's certificate options for IBM's fixture chain, verified offline at IBM_CHAIN_AT (absolute paths). */
export function ibmChainOptions(over: Partial<Record<'-C' | '--crl' | '--root-ca', string>> = {}): string[] {
  return [
    '-C',
    over['-C'] ?? join(IBM_CERTS, 'ibm.crt'),
    '-C',
    join(IBM_CERTS, 'inter_ca.crt'),
    '--crl',
    over['--crl'] ?? join(IBM_CERTS, 'ibm.crl'),
    '--crl',
    join(IBM_CERTS, 'inter_ca.crl'),
    '--root-ca',
    over['--root-ca'] ?? join(IBM_CERTS, 'root_ca.chained.crt'),
    '--offline',
    '--at',
    IBM_CHAIN_AT,
  ];
}

export const INTEROP_SECRET = join(VECTORS, 'interop-secret');

/** The interop-secret cases whose command made a request (each with req.bin, host.key, hdr.input, cuid.hex, expected.json). */
export function interopSecretCases(): string[] {
  return readdirSync(INTEROP_SECRET, { withFileTypes: true })
    .filter((d) => d.isDirectory() && readdirSync(join(INTEROP_SECRET, d.name)).includes('req.bin'))
    .map((d) => d.name)
    .sort();
}
