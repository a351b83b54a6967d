/**
 * `se-attest secret create` and `se-attest secret verify`: IBM's `pvsecret create` / `pvsecret verify` on the
 * engine (spec add-secret §3–§5), with pvsecret's subcommands, options, messages and exit codes. Host-key
 * documents are verified exactly as `create` verifies them. The CUID comes from `--cuid-hex`, from `--cuid FILE`
 * (16 raw bytes, pvattest's verify YAML, or our verify JSON when it verified), or from a stored attestation
 * (`--attestation ID`, which must have verified). Secret values are read from files and never printed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseDocument, isMap, isScalar, type Node as YamlNode } from 'yaml';
import { AttestError, isAttestError } from '../../../shared/errors/index.js';
import { fromHex, toHex, wipe } from '../../engine/bytes.js';
import { systemContext } from '../../engine/crypto/context.js';
import { ASRCB_FLAG_DISABLE_DUMP, ASRCB_MAX_SIZE, EXTENSION_SECRET_SIZE } from '../../engine/formats/asrcb.js';
import { extractSeHeader, readSeHeaderTags, type SeHeaderTags } from '../../engine/formats/se-header.js';
import { readCertificates, readHkdFile } from '../../engine/pki/pki-files.js';
import { publicKeyOf } from '../../engine/pki/x509.js';
import {
  createAddSecretRequest,
  verifyAddSecretRequest,
  type ExtensionSecretSource,
} from '../../engine/secret/add-secret-request.js';
import { RETRIEVABLE_TYPES, secretTypeListName, type RetrievableType } from '../../engine/secret/kinds.js';
import { secretIdHex } from '../../engine/secret/secret-id.js';
import { encodePolicyReference } from '../../engine/secret/user-data.js';
import {
  CCK_SIZE,
  associationSecret,
  metaSecret,
  readPrivateKey,
  retrievableSecret,
  updateCckSecret,
  type GuestSecret,
} from '../../engine/secret/values.js';
import {
  checkSecretFileTarget,
  openFileForReading,
  readFileBounded,
  resolvePath,
  writeSecretFile,
} from '../../fs/index.js';
import { verifiedAttestationBinding } from '../../services/secret-binding.js';
import { resolveDbPath } from '../../services/db-path.js';
import { openWorkspace } from '../../services/workspace.js';
import { naming, writeFileChecked } from '../files.js';
import { certFiles, type CertificateFlags } from '../options.js';
import { yamlString } from '../format/yaml.js';
import { CliExit, EXIT_ERROR, writeStdoutBytes, type CliIo } from '../io.js';
import { hostKeyOptionsFrom, resolveHostKeys } from './host-keys.js';

/** pvsecret's warning when host-key documents are not verified. */
export const SECRET_NO_VERIFY_WARNING =
  'Host-key document verification is disabled. The secret may not be protected.\n';
/** A `--policy` file is only hashed (its SHA-256 is the reference), never held beside others. */
const MAX_POLICY_FILE_SIZE = 64 * 1024 * 1024;
const MAX_SMALL_FILE = 1024 * 1024;
const MAX_REQUEST_FILE = ASRCB_MAX_SIZE + 1;
const SE_GUEST_FLAG = '/sys/firmware/uv/prot_virt_guest';

/** `secret create`'s options as parsed (the subcommand's are in SecretKindOptions). */
export interface SecretCreateOptions extends CertificateFlags {
  hostKeyDocument?: string[];
  at?: string;
  hdr?: string;
  force?: boolean;
  output?: string;
  extensionSecret?: string;
  cck?: string;
  cuidHex?: string;
  cuid?: string;
  attestation?: string;
  db?: string;
  flags?: string[];
  pcf?: string;
  userData?: string;
  userSignKey?: string;
  policy?: string;
  tocPolicy?: string;
  useName?: boolean;
  verbose: number;
  quiet?: boolean;
}

/** Options of the `secret create` subcommands. */
export interface SecretKindOptions {
  stdout?: boolean;
  inputSecret?: string;
  outputSecret?: string;
  secret?: string;
  type?: string;
}

/** The subcommand and its argument. */
export type SecretKind =
  { kind: 'meta' } | { kind: 'association' | 'retrievable'; name: string } | { kind: 'update-cck' };

const usage = (message: string): AttestError => new AttestError('ERR_CLI_USAGE', message);
const required = (what: string): AttestError => usage(`the following required arguments were not provided: ${what}`);
const conflict = (a: string, b: string): AttestError => usage(`the argument '${a}' cannot be used with '${b}'`);

/** The file IBM writes the secret info to: NAME with white space replaced by `_`, `.yaml`, beside `-o`. */
export function secretInfoPath(output: string, name: string): string {
  const file = `${name.replace(/\s/gu, '_')}.yaml`;
  if (!output.includes('/')) return file;
  const parent = dirname(output);
  return parent === '/' ? `/${file}` : `${parent}/${file}`;
}

/** The YAML pvsecret writes for an association or retrievable secret (serde_yaml's quoting). */
export function formatSecretInfoYaml(secret: GuestSecret): string {
  const id = secretIdHex(secret.id!);
  const name = yamlString(secret.name!);
  if (secret.kind === 'association') return `!Association\nname: ${name}\nid: ${id}\n`;
  return `!Retrievable\nkind: ${secret.type} (${secretTypeListName(secret.type)})\nname: ${name}\nid: ${id}\n`;
}

/** `--cuid-hex` as IBM parses it (`try_parse_u128`): an optional 0x and exactly 32 hex digits. */
export function parseCuidHex(text: string): Uint8Array {
  const clean = text.startsWith('0x') ? text.slice(2) : text;
  if (clean.length !== 32)
    throw new AttestError('ERR_SECRET_CUID_HEX_LENGTH', 'CUID hexstring must be 32chars long to cover all 16 bytes');
  if (!/^[0-9a-fA-F]{32}$/.test(clean))
    throw new AttestError('ERR_SECRET_CUID_HEX_INVALID', 'Cannot decode hex string');
  return fromHex(clean);
}

function findCuidNode(node: YamlNode | null | undefined, depth: number): YamlNode | undefined {
  if (depth >= 8 || !isMap(node)) return undefined;
  const own = node.items.find((p) => isScalar(p.key) && p.key.value === 'cuid');
  if (own) return (own.value as YamlNode | null) ?? undefined;
  for (const p of node.items) {
    const hit = findCuidNode(p.value as YamlNode | null, depth + 1);
    if (hit) return hit;
  }
  return undefined;
}

/**
 * The CUID of a `--cuid` file (spec add-secret §5.2): 16 raw bytes, or YAML — a top-level string or the first
 * `cuid` key of nested mappings — holding `0x` and 32 hex digits. Our own `verify --format json` output is YAML
 * too; when it says `verified: false` the CUID is refused (ERR_SECRET_CUID_UNVERIFIED).
 */
export function readCuidFile(bytes: Uint8Array, path: string): Uint8Array {
  if (bytes.length === 16) return bytes.slice();
  const notCuid = () =>
    new AttestError(
      'ERR_SECRET_CUID_FILE',
      `${path}: The CUID-file does not contain a 128bit value or a yaml with a 'cuid' field`,
    );
  let doc;
  try {
    doc = parseDocument(Buffer.from(bytes).toString('utf8'), { uniqueKeys: false });
  } catch {
    throw notCuid();
  }
  if (doc.errors.length > 0) throw notCuid();
  const root = doc.contents as YamlNode | null;
  if (isMap(root)) {
    const verified = root.items.find((p) => isScalar(p.key) && p.key.value === 'verified');
    if (verified && isScalar(verified.value) && verified.value.value === false)
      throw new AttestError(
        'ERR_SECRET_CUID_UNVERIFIED',
        `${path}: the attestation result did not verify: no secret is bound to its CUID`,
      );
  }
  const node = isScalar(root) ? root : findCuidNode(root, 0);
  if (!node && !isMap(root) && !isScalar(root)) throw notCuid();
  if (!isScalar(node) || typeof node.value !== 'string')
    throw new AttestError('ERR_SECRET_CUID_FILE', `${path}: No 'cuid' entry found`);
  const value = node.value;
  if (!value.startsWith('0x')) throw new AttestError('ERR_SECRET_CUID_FILE', `${path}: CUID value starts not with 0x`);
  if (value.length !== 34) throw new AttestError('ERR_SECRET_CUID_FILE', `${path}: len invalid (${value.length})`);
  if (!/^0x[0-9a-fA-F]{32}$/.test(value))
    throw new AttestError('ERR_SECRET_CUID_HEX_INVALID', 'Cannot decode hex string');
  return fromHex(value);
}

function parseFlags(opts: SecretCreateOptions): bigint {
  if (opts.flags?.length && opts.pcf !== undefined) throw conflict('--flags <FLAGS>', '--pcf <PCF>');
  if (opts.pcf !== undefined) {
    const clean = opts.pcf.replace(/^0x/i, '');
    if (!/^[0-9a-fA-F]{1,16}$/.test(clean))
      throw new AttestError('ERR_SECRET_FLAGS_INVALID', `invalid value '${opts.pcf}' for '--pcf <PCF>'`);
    return BigInt(`0x${clean}`);
  }
  let flags = 0n;
  for (const f of opts.flags ?? []) {
    if (f !== 'disable-dump')
      throw new AttestError(
        'ERR_SECRET_FLAGS_INVALID',
        `invalid value '${f}' for '--flags <FLAGS>' [possible values: disable-dump]`,
      );
    flags |= ASRCB_FLAG_DISABLE_DUMP;
  }
  return flags;
}

function isSecureExecutionGuest(): boolean {
  try {
    return existsSync(SE_GUEST_FLAG) && readFileSync(SE_GUEST_FLAG, 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

/** Validates the CLI as pvsecret's `validate_cli` and clap do, before anything is read. */
function validateCreate(opts: SecretCreateOptions, kind: SecretKind, kindOpts: SecretKindOptions): void {
  if (!opts.hostKeyDocument?.length) throw required('--host-key-document <FILE>');
  if (opts.output === undefined) throw required('--output <FILE>');
  if (opts.hdr === undefined && opts.attestation === undefined) throw required('--hdr <FILE>');
  const cuidSources = [
    opts.cuidHex && '--cuid-hex <HEXSTRING>',
    opts.cuid && '--cuid <FILE>',
    opts.attestation && '--attestation <ID>',
  ].filter(Boolean) as string[];
  if (cuidSources.length > 1) throw conflict(cuidSources[0]!, cuidSources[1]!);
  if (opts.extensionSecret !== undefined && opts.cck !== undefined)
    throw conflict('--extension-secret <FILE>', '--cck <FILE>');
  if (opts.policy !== undefined && opts.userData !== undefined) throw conflict('--policy <FILE>', '--user-data <FILE>');
  if (kindOpts.inputSecret !== undefined && kindOpts.outputSecret !== undefined)
    throw conflict('--input-secret <FILE>', '--output-secret <FILE>');
  if (!opts.cert?.length) {
    for (const [flag, set] of [
      ['--crl <FILE>', opts.crl?.length],
      ['--offline', opts.offline],
      ['--root-ca <FILE>', opts.rootCa],
    ] as const)
      if (set) throw usage(`the following required arguments were not provided: --cert <FILE> (${flag} requires it)`);
  }
  if (kind.kind === 'association' || kind.kind === 'retrievable') {
    const yamlName = `${kind.name.replace(/\s/gu, '_')}.yaml`;
    if (kindOpts.outputSecret !== undefined && kindOpts.outputSecret === yamlName)
      throw usage(`Secret output file and the secret name '${yamlName}' are the same.`);
    if (!kindOpts.stdout && opts.output === yamlName)
      throw usage(`output file and the secret name '${yamlName}' are the same.`);
  }
}

function buildSecret(io: CliIo, opts: SecretCreateOptions, kind: SecretKind, kindOpts: SecretKindOptions): GuestSecret {
  const useName = opts.useName === true;
  switch (kind.kind) {
    case 'meta':
      return metaSecret();
    case 'association': {
      const value =
        kindOpts.inputSecret !== undefined
          ? readFileBounded(kindOpts.inputSecret, 4096, { cwd: io.cwd })
          : systemContext().randomBytes(32);
      try {
        return naming(kindOpts.inputSecret ?? 'association secret', () => associationSecret(kind.name, value, useName));
      } finally {
        wipe(value);
      }
    }
    case 'retrievable': {
      if (kindOpts.secret === undefined) throw required('--secret <FILE>');
      if (kindOpts.type === undefined) throw required('--type <TYPE>');
      if (!(RETRIEVABLE_TYPES as readonly string[]).includes(kindOpts.type))
        throw new AttestError(
          'ERR_SECRET_TYPE_UNKNOWN',
          `invalid value '${kindOpts.type}' for '--type <TYPE>' [possible values: ${RETRIEVABLE_TYPES.join(', ')}]`,
        );
      const input = readFileBounded(kindOpts.secret, MAX_SMALL_FILE, { cwd: io.cwd });
      try {
        return retrievableSecret({
          name: kind.name,
          type: kindOpts.type as RetrievableType,
          input,
          inputName: kindOpts.secret,
          useName,
        });
      } finally {
        wipe(input);
      }
    }
    case 'update-cck': {
      if (kindOpts.secret === undefined) throw required('--secret <FILE>');
      const input = readFileBounded(kindOpts.secret, 4096, { cwd: io.cwd });
      try {
        return updateCckSecret(input);
      } finally {
        wipe(input);
      }
    }
  }
}

function readExtension(io: CliIo, opts: SecretCreateOptions): ExtensionSecretSource {
  if (opts.extensionSecret !== undefined) {
    const value = readFileBounded(opts.extensionSecret, 4096, { cwd: io.cwd });
    if (value.length !== EXTENSION_SECRET_SIZE)
      throw new AttestError('ERR_SECRET_EXTENSION_SIZE', 'extension secret must be exactly 32 bytes long');
    return { kind: 'simple', value };
  }
  if (opts.cck !== undefined) {
    const cck = readFileBounded(opts.cck, 4096, { cwd: io.cwd });
    if (cck.length !== CCK_SIZE) throw new AttestError('ERR_SECRET_CCK_SIZE', 'CCK must be exactly 32 bytes long');
    return { kind: 'derived', cck };
  }
  return { kind: 'none' };
}

/** The header's tags out of a bare header or an SE image of any size (only the header is read, by position). */
function readHeaderTags(io: CliIo, path: string): SeHeaderTags {
  const file = openFileForReading(path, { cwd: io.cwd });
  try {
    return readSeHeaderTags(extractSeHeader(file));
  } catch (e) {
    if (isAttestError(e))
      throw new AttestError('ERR_SEHDR_INVALID', `Provided SE-header in '${path}' is malformed`, { path });
    throw e;
  } finally {
    file.close();
  }
}

/** Runs `secret create SUBCOMMAND`. */
export async function runSecretCreate(
  io: CliIo,
  opts: SecretCreateOptions,
  kind: SecretKind,
  kindOpts: SecretKindOptions,
): Promise<void> {
  const info = (t: string) => (opts.verbose > 0 && !opts.quiet ? io.err(t) : undefined);
  const warn = (t: string) => (!opts.quiet ? io.err(t) : undefined);
  const hostKeyOptions = { ...opts, cert: certFiles(opts), noVerify: opts.verify === false };
  validateCreate(hostKeyOptions, kind, kindOpts);
  // a symlink, folder or device as --output-secret is refused before anything is read or created
  if (kindOpts.outputSecret !== undefined) checkSecretFileTarget(kindOpts.outputSecret, { cwd: io.cwd });
  if (isSecureExecutionGuest() && !opts.force) {
    warn('The system seems to be a Secure Execution guest\n');
    throw new AttestError(
      'ERR_CLI_USAGE',
      "Do NOT generate Add-secret requests on a machine where you want to use the secret! Overwrite with '-f'",
    );
  }
  const secret = buildSecret(io, opts, kind, kindOpts);
  const cleanup: Uint8Array[] = [secret.value];
  try {
    const flags = parseFlags(opts);
    let bootTags: SeHeaderTags | undefined = opts.hdr !== undefined ? readHeaderTags(io, opts.hdr) : undefined;
    let cuid: Uint8Array | undefined;
    if (opts.cuidHex !== undefined) cuid = parseCuidHex(opts.cuidHex);
    else if (opts.cuid !== undefined)
      cuid = readCuidFile(readFileBounded(opts.cuid, MAX_SMALL_FILE, { cwd: io.cwd }), opts.cuid);
    else if (opts.attestation !== undefined) {
      const id = Number(opts.attestation);
      if (!Number.isSafeInteger(id) || id <= 0)
        throw usage(`--attestation: not an attestation id: '${opts.attestation}'`);
      const store = openWorkspace(resolveDbPath(io, opts.db), { readOnly: true });
      try {
        const binding = verifiedAttestationBinding(store, id);
        cuid = binding.cuid;
        if (!bootTags) {
          if (!binding.seHeader) throw required('--hdr <FILE> (the stored attestation keeps no SE header)');
          bootTags = readSeHeaderTags(binding.seHeader);
        }
      } finally {
        store.close();
      }
    }
    const extensionSecret = readExtension(io, opts);
    if (extensionSecret.kind === 'simple') cleanup.push(extensionSecret.value);
    if (extensionSecret.kind === 'derived') cleanup.push(extensionSecret.cck);
    let userData: Uint8Array | undefined;
    if (opts.userData !== undefined) {
      userData = readFileBounded(opts.userData, 64 * 1024, { cwd: io.cwd });
      if (userData.length === 0) warn('Added empty user-data file.\n');
    } else if (opts.policy !== undefined) {
      const ref = encodePolicyReference(
        readFileBounded(opts.policy, MAX_POLICY_FILE_SIZE, { cwd: io.cwd }),
        opts.policy,
      );
      io.out(`${toHex(ref.hash)}\n`);
      // IBM's quirk: with a signing key the reference is dropped (a signed, empty user-data block)
      if (opts.userSignKey === undefined) userData = ref.block;
    }
    let userSigningKey;
    if (opts.userSignKey !== undefined) {
      const keyBytes = readFileBounded(opts.userSignKey, MAX_SMALL_FILE, { cwd: io.cwd });
      userSigningKey = readPrivateKey(keyBytes);
      wipe(keyBytes);
      if (!userSigningKey)
        throw new AttestError(
          'ERR_SECRET_SIGNING_KEY_UNSUPPORTED',
          `Cannot read ${opts.userSignKey} as private key from PEM or DER`,
        );
    }
    if (hostKeyOptions.noVerify) warn(SECRET_NO_VERIFY_WARNING);
    const hkdPaths = hostKeyOptions.hostKeyDocument!;
    for (const path of hkdPaths) {
      info(`Use host-key document at '${path}'\n`);
      // the verified path warns about several certificates itself (resolveHostKeys)
      if (
        hostKeyOptions.noVerify &&
        readHkdFile(path, readFileBounded(path, MAX_SMALL_FILE, { cwd: io.cwd })).certificatesInFile > 1
      )
        warn(`The host-key document in '${path}' contains more than one certificate!\n`);
    }
    const hostKeys = await resolveHostKeys(
      io,
      hostKeyOptionsFrom({ ...opts, hostKeyDocument: hkdPaths }),
      opts.quiet === true,
    );
    const request = createAddSecretRequest({
      secret,
      hostKeys: hostKeys.map((k) => k.publicCoords),
      bootTags: bootTags!,
      ...(cuid ? { cuid } : {}),
      flags,
      extensionSecret,
      ...(userData !== undefined ? { userData } : {}),
      ...(userSigningKey ? { userSigningKey } : {}),
      ctx: systemContext(),
    });
    if (opts.tocPolicy !== undefined) appendTocPolicy(io, opts.tocPolicy, request.tag);
    warn('Successfully generated the request\n');
    const output = opts.output!;
    if (output === '-') writeStdoutBytes(io, request.bytes);
    else writeFileChecked(io.cwd, output, request.bytes);
    info(`Successfully wrote the request to '${output}'\n`);
    if (kind.kind === 'association' || kind.kind === 'retrievable') {
      const yaml = formatSecretInfoYaml(secret);
      if (kindOpts.stdout) io.out(`${yaml}\n`);
      else {
        const path = secretInfoPath(output === '-' ? 'req.bin' : output, kind.name);
        writeFileChecked(io.cwd, path, yaml);
        warn(`Successfully wrote secret info to '${path}'\n`);
      }
    }
    if (kind.kind === 'association' && kindOpts.outputSecret !== undefined)
      writeSecretFile(kindOpts.outputSecret, secret.value, { cwd: io.cwd });
  } finally {
    for (const b of cleanup) wipe(b);
  }
}

function appendTocPolicy(io: CliIo, path: string, tag: Uint8Array): void {
  const full = resolvePath(io.cwd, path);
  let before = '';
  if (existsSync(full)) before = Buffer.from(readFileBounded(path, MAX_SMALL_FILE, { cwd: io.cwd })).toString('utf8');
  writeFileChecked(io.cwd, path, `${before}${toHex(tag)}\n`);
}

/** `secret verify`'s options as parsed. */
export interface SecretVerifyOptions {
  input?: string;
  output?: string;
  userCert?: string;
  verbose: number;
  quiet?: boolean;
}

async function readInput(io: CliIo, path: string): Promise<Uint8Array> {
  if (path !== '-') return readFileBounded(path, MAX_REQUEST_FILE, { cwd: io.cwd });
  if (!io.readStdin) throw new AttestError('ERR_CLI_FILE_READ', 'Cannot open `-`: no standard input');
  return io.readStdin(MAX_REQUEST_FILE);
}

function readUserCert(io: CliIo, path: string) {
  const bytes = readFileBounded(path, MAX_SMALL_FILE, { cwd: io.cwd });
  let certs;
  try {
    certs = readCertificates(bytes, 'ERR_SECRET_USER_CERT_INVALID');
  } catch {
    throw new AttestError('ERR_SECRET_USER_CERT_INVALID', 'Cannot read user-verification certificate.');
  }
  const key = certs[0] ? publicKeyOf(certs[0]) : null;
  if (!key) throw new AttestError('ERR_SECRET_USER_CERT_INVALID', 'File does not contain a X509 certificate');
  return key;
}

/** Runs `secret verify`. */
export async function runSecretVerify(io: CliIo, opts: SecretVerifyOptions, positional: string[]): Promise<void> {
  if (opts.input !== undefined && positional.length > 1) throw conflict('--input <FILE>', '[INPUT]');
  const input = opts.input ?? positional.shift();
  const output = opts.output ?? positional.shift() ?? '-';
  if (input === undefined) throw required('<--input <FILE>|INPUT>');
  let result;
  try {
    const key = opts.userCert !== undefined ? readUserCert(io, opts.userCert) : undefined;
    result = verifyAddSecretRequest(await readInput(io, input), key);
  } catch (e) {
    if (!isAttestError(e)) throw e;
    // IBM prints only the outer line unless -v; the code is ours
    io.err(`error: Could not verify the the Add-secret request (${e.code})\n`);
    if (opts.verbose > 0) io.err(`\nCaused by:\n    ${e.message}\n`);
    throw new CliExit(EXIT_ERROR);
  }
  if (result.output) {
    if (output === '-') writeStdoutBytes(io, result.output);
    else writeFileChecked(io.cwd, output, result.output);
  }
  if (!opts.quiet) io.err('Successfully verified the request.\n');
}
