/**
 * `se-attest secret create` and `se-attest secret verify`: IBM's `pvsecret create` / `pvsecret verify` on the
 * engine (spec add-secret §3–§5), with pvsecret's subcommands, options, messages and exit codes. Host-key
 * documents are verified exactly as `create` verifies them. The CUID comes from `--cuid-hex`, from `--cuid FILE`
 * (16 raw bytes, pvattest's verify YAML, or our verify JSON when it verified), or from a stored attestation
 * (`--attestation ID`, which must have verified). Secret values are read from files and never printed.
 */
import { closeSync, constants as fsConstants, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Command, Option } from 'commander';
import { parseDocument, isMap, isScalar, type Node as YamlNode } from 'yaml';
import { AttestError, isAttestError } from '../../../shared/errors/index.js';
import {
  ASRCB_FLAG_DISABLE_DUMP,
  RETRIEVABLE_TYPES,
  associationSecret,
  createAddSecretRequest,
  encodePolicyReference,
  extractSeHeader,
  fromHex,
  metaSecret,
  readPrivateKey,
  readSeHeaderTags,
  retrievableSecret,
  secretIdHex,
  secretTypeListName,
  systemContext,
  toHex,
  updateCckSecret,
  verifyAddSecretRequest,
  locateSeHeader,
  type ExtensionSecretSource,
  type GuestSecret,
  type RetrievableType,
  type SeHeaderTags,
} from '../../engine/index.js';
import { readCertificates, readHkdFile } from '../../engine/pki/pki-files.js';
import { publicKeyOf } from '../../engine/pki/x509.js';
import { verifiedAttestationBinding } from '../../services/secret-binding.js';
import { openStore } from '../../store/index.js';
import { collectList, naming, readFileBounded, resolvePath, writeFileChecked } from '../files.js';
import { yamlString } from '../format/yaml.js';
import { CliExit, EXIT_ERROR, writeStdoutBytes, type CliIo } from '../io.js';
import { addCertificateOptions, resolveHostKeys, type HostKeyOptions } from './host-keys.js';
import { resolveDbPath } from './store-commands.js';

/** pvsecret's warning when host-key documents are not verified. */
export const SECRET_NO_VERIFY_WARNING =
  'Host-key document verification is disabled. The secret may not be protected.\n';
const MAX_SE_FILE = 64 * 1024 * 1024;
const MAX_SMALL_FILE = 1024 * 1024;
const MAX_REQUEST_FILE = 0x100000 + 1;
const SE_GUEST_FLAG = '/sys/firmware/uv/prot_virt_guest';

interface CreateOptions extends Omit<HostKeyOptions, 'hostKeyDocument'> {
  hostKeyDocument?: string[];
  crt?: string[];
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
  verify?: boolean;
}

interface KindOptions {
  stdout?: boolean;
  inputSecret?: string;
  outputSecret?: string;
  secret?: string;
  type?: string;
}

/** The subcommand and its argument. */
type Kind = { kind: 'meta' } | { kind: 'association' | 'retrievable'; name: string } | { kind: 'update-cck' };

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

/** Writes a secret file: created new (never over an existing file or through a symlink), mode 0600. */
function writeNewSecretFile(cwd: string, path: string, data: Uint8Array): void {
  let fd: number;
  try {
    fd = openSync(
      resolvePath(cwd, path),
      fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW,
      0o600,
    );
  } catch (e) {
    throw new AttestError(
      'ERR_CLI_FILE_WRITE',
      `Cannot create \`${path}\`: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
      {
        path,
      },
    );
  }
  try {
    writeSync(fd, data);
  } finally {
    closeSync(fd);
  }
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

function parseFlags(opts: CreateOptions): bigint {
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
function validateCreate(opts: CreateOptions, kind: Kind, kindOpts: KindOptions): void {
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

function buildSecret(io: CliIo, opts: CreateOptions, kind: Kind, kindOpts: KindOptions): GuestSecret {
  const useName = opts.useName === true;
  switch (kind.kind) {
    case 'meta':
      return metaSecret();
    case 'association': {
      const value =
        kindOpts.inputSecret !== undefined
          ? readFileBounded(io.cwd, kindOpts.inputSecret, 4096)
          : systemContext().randomBytes(32);
      try {
        return naming(kindOpts.inputSecret ?? 'association secret', () => associationSecret(kind.name, value, useName));
      } finally {
        value.fill(0);
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
      const input = readFileBounded(io.cwd, kindOpts.secret, MAX_SMALL_FILE);
      try {
        return retrievableSecret({
          name: kind.name,
          type: kindOpts.type as RetrievableType,
          input,
          inputName: kindOpts.secret,
          useName,
        });
      } finally {
        input.fill(0);
      }
    }
    case 'update-cck': {
      if (kindOpts.secret === undefined) throw required('--secret <FILE>');
      const input = readFileBounded(io.cwd, kindOpts.secret, 4096);
      try {
        return updateCckSecret(input);
      } finally {
        input.fill(0);
      }
    }
  }
}

function readExtension(io: CliIo, opts: CreateOptions): ExtensionSecretSource {
  if (opts.extensionSecret !== undefined) {
    const value = readFileBounded(io.cwd, opts.extensionSecret, 4096);
    if (value.length !== 32)
      throw new AttestError('ERR_SECRET_EXTENSION_SIZE', 'extension secret must be exactly 32 bytes long');
    return { kind: 'simple', value };
  }
  if (opts.cck !== undefined) {
    const cck = readFileBounded(io.cwd, opts.cck, 4096);
    if (cck.length !== 32) throw new AttestError('ERR_SECRET_CCK_SIZE', 'CCK must be exactly 32 bytes long');
    return { kind: 'derived', cck };
  }
  return { kind: 'none' };
}

function readHeaderTags(io: CliIo, path: string): SeHeaderTags {
  const bytes = readFileBounded(io.cwd, path, MAX_SE_FILE);
  try {
    locateSeHeader(bytes);
    return readSeHeaderTags(extractSeHeader(bytes));
  } catch (e) {
    if (isAttestError(e))
      throw new AttestError('ERR_SEHDR_INVALID', `Provided SE-header in '${path}' is malformed`, { path });
    throw e;
  }
}

async function runCreate(io: CliIo, opts: CreateOptions, kind: Kind, kindOpts: KindOptions): Promise<void> {
  const info = (t: string) => (opts.verbose > 0 && !opts.quiet ? io.err(t) : undefined);
  const warn = (t: string) => (!opts.quiet ? io.err(t) : undefined);
  const hostKeyOptions = {
    ...opts,
    cert: [...(opts.cert ?? []), ...(opts.crt ?? [])],
    noVerify: opts.verify === false,
  };
  validateCreate(hostKeyOptions, kind, kindOpts);
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
      cuid = readCuidFile(readFileBounded(io.cwd, opts.cuid, MAX_SMALL_FILE), opts.cuid);
    else if (opts.attestation !== undefined) {
      const id = Number(opts.attestation);
      if (!Number.isSafeInteger(id) || id <= 0)
        throw usage(`--attestation: not an attestation id: '${opts.attestation}'`);
      const store = openStore({ path: resolveDbPath(io, opts.db), readOnly: true });
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
      userData = readFileBounded(io.cwd, opts.userData, 64 * 1024);
      if (userData.length === 0) warn('Added empty user-data file.\n');
    } else if (opts.policy !== undefined) {
      const ref = encodePolicyReference(readFileBounded(io.cwd, opts.policy, MAX_SE_FILE), opts.policy);
      io.out(`${toHex(ref.hash)}\n`);
      // IBM's quirk: with a signing key the reference is dropped (a signed, empty user-data block)
      if (opts.userSignKey === undefined) userData = ref.block;
    }
    let userSigningKey;
    if (opts.userSignKey !== undefined) {
      const keyBytes = readFileBounded(io.cwd, opts.userSignKey, MAX_SMALL_FILE);
      userSigningKey = readPrivateKey(keyBytes);
      keyBytes.fill(0);
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
      const file = readHkdFile(path, readFileBounded(io.cwd, path, MAX_SMALL_FILE));
      if (file.certificatesInFile > 1) warn(`The host-key document in '${path}' contains more than one certificate!\n`);
    }
    const hostKeys = await resolveHostKeys(io, { ...hostKeyOptions, hostKeyDocument: hkdPaths });
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
      writeNewSecretFile(io.cwd, kindOpts.outputSecret, secret.value);
  } finally {
    for (const b of cleanup) b.fill(0);
  }
}

function appendTocPolicy(io: CliIo, path: string, tag: Uint8Array): void {
  const full = resolvePath(io.cwd, path);
  let before = '';
  if (existsSync(full)) before = Buffer.from(readFileBounded(io.cwd, path, MAX_SMALL_FILE)).toString('utf8');
  writeFileChecked(io.cwd, path, `${before}${toHex(tag)}\n`);
}

interface VerifyOptions {
  input?: string;
  output?: string;
  userCert?: string;
  verbose: number;
  quiet?: boolean;
}

async function readInput(io: CliIo, path: string): Promise<Uint8Array> {
  if (path !== '-') return readFileBounded(io.cwd, path, MAX_REQUEST_FILE);
  if (!io.readStdin) throw new AttestError('ERR_CLI_FILE_READ', 'Cannot open `-`: no standard input');
  return io.readStdin(MAX_REQUEST_FILE);
}

function readUserCert(io: CliIo, path: string) {
  const bytes = readFileBounded(io.cwd, path, MAX_SMALL_FILE);
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

async function runVerify(io: CliIo, opts: VerifyOptions, positional: string[]): Promise<void> {
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

const increase = (_: string, previous: number) => previous + 1;

/** Registers `secret create` (with meta, association, retrievable, update-cck) and `secret verify`. */
export function registerSecretCommands(program: Command, io: CliIo): void {
  const secret = program.command('secret').description("IBM add-secret requests: pvsecret's create and verify");
  const create = addCertificateOptions(
    secret
      .command('create')
      .description('create an add-secret request (pvsecret create)')
      .option('-k, --host-key-document <FILE>', 'host-key document (repeatable or comma-separated)', collectList),
  )
    .addOption(new Option('--crt <FILE>', 'alias of --cert').argParser(collectList).hideHelp())
    .option('--at <ISO-TIME>', 'verify the host-key documents as of this time')
    .option('--hdr <FILE>', 'the SE header or SE image the secret is bound to')
    .option('-f, --force', 'create the request even on a Secure Execution guest')
    .option('-o, --output <FILE>', 'where to write the request (- for stdout)')
    .option('--extension-secret <FILE>', 'a 32-byte extension secret')
    .option('--cck <FILE>', 'the 32-byte customer communication key: derive the extension secret from it')
    .option('--cuid-hex <HEXSTRING>', 'bind to this CUID (32 hex digits)')
    .option(
      '--cuid <FILE>',
      'bind to the CUID in this file: 16 raw bytes, or a verified attestation result (YAML/JSON)',
    )
    .option(
      '--attestation <ID>',
      'bind to the CUID (and SE header) of this stored attestation, which must have verified',
    )
    .option('--db <PATH>', 'database holding --attestation (default $SE_ATTEST_DB or the per-user database)')
    .option('--flags <FLAGS>', 'request flags: disable-dump', collectList)
    .addOption(new Option('--pcf <HEX>', 'raw request flags (no validity checks)').hideHelp())
    .option(
      '--user-data <FILE>',
      'user data (at most 512 bytes, 256 when signed with EC or RSA 2048, 128 with RSA 3072)',
    )
    .option('--user-sign-key <FILE>', 'sign the request with this EC P-521 or RSA 2048/3072 private key')
    .option('--policy <FILE>', 'carry a reference (SHA-256 and path) to this policy file as user data')
    .option('--toc-policy <FILE>', "append the request's tag (hex) to this file")
    .option('--use-name', 'use the name (31 bytes) as the secret ID instead of its SHA-256')
    .option('-v, --verbose', 'more messages', increase, 0)
    .option('-q, --quiet', 'errors only');
  const parentOpts = (cmd: Command) => cmd.parent!.opts<CreateOptions>();
  create
    .command('meta')
    .description('a meta secret (carries flags only)')
    .action(async (_opts: KindOptions, cmd: Command) => runCreate(io, parentOpts(cmd), { kind: 'meta' }, {}));
  create
    .command('association')
    .description('an association secret (connects the guest to a crypto card)')
    .argument('<NAME>')
    .option('--stdout', 'print the secret info to stdout instead of NAME.yaml')
    .option('--input-secret <FILE>', 'the 32-byte secret (default: random)')
    .option('--output-secret <FILE>', 'save the random secret here (mode 0600, created new)')
    .action(async (name: string, opts: KindOptions, cmd: Command) =>
      runCreate(io, parentOpts(cmd), { kind: 'association', name }, opts),
    );
  create
    .command('retrievable')
    .alias('retr')
    .description('a secret the guest can retrieve: plaintext, AES, AES-XTS, HMAC-SHA or EC private key')
    .argument('<NAME>')
    .option('--stdout', 'print the secret info to stdout instead of NAME.yaml')
    .option('--secret <FILE>', 'the secret (an EC key as PEM or DER)')
    .option('--type <TYPE>', `kind of secret: ${RETRIEVABLE_TYPES.join(', ')}`)
    .action(async (name: string, opts: KindOptions, cmd: Command) =>
      runCreate(io, parentOpts(cmd), { kind: 'retrievable', name }, opts),
    );
  create
    .command('update-cck')
    .alias('cck')
    .description('replace the customer communication key')
    .option('--secret <FILE>', 'the new 32-byte CCK')
    .action(async (opts: KindOptions, cmd: Command) => runCreate(io, parentOpts(cmd), { kind: 'update-cck' }, opts));
  secret
    .command('verify')
    .description('check an add-secret request and its user-data signature without decrypting it (pvsecret verify)')
    .argument('[INPUT]')
    .argument('[OUTPUT]')
    .option('-i, --input <FILE>', 'the request (- for stdin)')
    .option('-o, --output <FILE>', 'where to write the user data (default stdout)')
    .option('--user-cert <FILE>', 'certificate (PEM or DER) of the key that signed the user data')
    .option('-v, --verbose', 'show the cause of an error', increase, 0)
    .option('-q, --quiet', 'errors only')
    .action(async (inArg: string | undefined, outArg: string | undefined, opts: VerifyOptions) =>
      runVerify(
        io,
        opts,
        [inArg, outArg].filter((v): v is string => v !== undefined),
      ),
    );
  for (const c of [secret, create, ...create.commands, ...secret.commands])
    c.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
}
