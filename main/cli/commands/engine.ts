/**
 * pvattest-compatible commands on the engine: `create`, `verify`, `check`, `extract-hdr` (pvextract-hdr) and
 * `perform` (the software Ultravisor). Flags mirror pvattest where it has them. Exit codes 0 / 1 / 2.
 */
import { randomBytes } from 'node:crypto';
import { type Command, Option } from 'commander';
import { AttestError } from '../../../shared/errors/index.js';
import {
  MAX_EXCHANGE_SIZE,
  checkAttestation,
  createAttestationRequest,
  extractSeHeaderWindow,
  fromHex,
  locateSeHeader,
  p521PrivateKeyFromPem,
  parseAddDataList,
  parseSeHeader,
  performAttestation,
  readAddSecretRequestTag,
  readHostKeyDocument,
  resolveSeHeaderTags,
  systemContext,
  verifyAttestationResponse,
  type AddDataKind,
  type Dialect,
} from '../../engine/index.js';
import { collectList, naming, readFileBounded, writeFileChecked } from '../files.js';
import {
  formatCheckStderr,
  formatCheckYaml,
  formatVerifyJson,
  reportVerificationOutcome,
  formatVerifyYaml,
  formatVerifyYamlC,
} from '../format/attestation-output.js';
import { CliExit, EXIT_ATTESTATION_FAILED, EXIT_ERROR, type CliIo } from '../io.js';
import { NO_VERIFY_WARNING, addCertificateOptions, resolveHostKeys, type HostKeyOptions } from './host-keys.js';

export const MAX_HEADER_FILE_SIZE = 64 * 1024 * 1024;
const MAX_SMALL_FILE = 1024 * 1024;

interface CreateOptions extends HostKeyOptions {
  arpk: string;
  output: string;
  addData?: string[];
  nonce: boolean;
}

interface VerifyOptions {
  dialect: Dialect;
  input: string;
  arpk: string;
  hdr: string;
  output?: string;
  format: 'yaml' | 'json';
  userData?: string;
  quiet?: boolean;
}

interface CheckOptions {
  input?: string;
  output?: string;
  hostKeyDocument?: string[];
  hostKeyCheck?: string[];
  userData?: string;
  secret?: string[];
  secretStoreLocked?: string;
  format: string;
  quiet?: boolean;
}

interface ExtractOptions {
  output: string;
  skip: string;
  length: string;
  search: 'window' | 'image';
}

interface PerformOptions {
  input?: string;
  output?: string;
  hostKey?: string[];
  hdr: string;
  cuid?: string;
  userData?: string;
  secret?: string[];
  secretStoreLocked?: string;
}

/** Parses a bash-arithmetic page count as pvextract-hdr does (`0x13`, `19`, `023`). */
export function parsePageCount(text: string): number {
  const t = text.trim();
  let n: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) n = Number.parseInt(t.slice(2), 16);
  else if (/^0[0-7]+$/.test(t)) n = Number.parseInt(t.slice(1), 8);
  else if (/^[0-9]+$/.test(t)) n = Number.parseInt(t, 10);
  else throw new AttestError('ERR_CLI_USAGE', `invalid page count '${text}'`);
  if (!Number.isSafeInteger(n) || n > 0x100000)
    throw new AttestError('ERR_CLI_USAGE', `page count '${text}' is too large`);
  return n;
}

function parseBool(value: string, option: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new AttestError('ERR_CLI_USAGE', `invalid value '${value}' for '${option}' [possible values: true, false]`);
}

function formatOffset(offset: number): string {
  return `0x${offset.toString(16).padStart(6, '0')}`;
}

async function runCreate(io: CliIo, opts: CreateOptions): Promise<void> {
  const addData: AddDataKind[] = (opts.addData ?? []).flatMap((l) => parseAddDataList(l));
  if (opts.noVerify) io.err(NO_VERIFY_WARNING);
  const hostKeys = await resolveHostKeys(io, opts);
  const request = createAttestationRequest({
    hostKeys: hostKeys.map((k) => k.publicCoords),
    addData,
    nonce: opts.nonce,
    ctx: systemContext(),
  });
  try {
    writeFileChecked(io.cwd, opts.output, request.exchange);
    writeFileChecked(io.cwd, opts.arpk, request.arpk, true);
  } finally {
    request.arpk.fill(0);
  }
}

async function runVerify(io: CliIo, opts: VerifyOptions): Promise<void> {
  const response = readFileBounded(io.cwd, opts.input, MAX_EXCHANGE_SIZE);
  const header = readFileBounded(io.cwd, opts.hdr, MAX_HEADER_FILE_SIZE);
  // Rust pvattest creates (truncates) the output before verifying.
  if (opts.output) writeFileChecked(io.cwd, opts.output, '');
  const arpk = readFileBounded(io.cwd, opts.arpk, 4096);
  let result;
  try {
    if (arpk.length !== 32) {
      throw new AttestError(
        'ERR_ARPK_SIZE',
        `${opts.arpk}: Attestation request protection key must be exactly 32 bytes long`,
      );
    }
    const { tags, warnings } = naming(opts.hdr, () => resolveSeHeaderTags(header, opts.dialect));
    for (const w of warnings) if (!opts.quiet) io.err(`${w}\n`);
    result = naming(opts.input, () =>
      verifyAttestationResponse({ response, arpk, seHeader: tags, dialect: opts.dialect }),
    );
  } finally {
    arpk.fill(0);
  }
  reportVerificationOutcome(io, result, opts.quiet);
  const text =
    opts.format === 'json'
      ? formatVerifyJson(result)
      : opts.dialect === 'c'
        ? formatVerifyYamlC(result)
        : formatVerifyYaml(result);
  if (opts.output) writeFileChecked(io.cwd, opts.output, text);
  if (opts.userData) {
    if (result.userData) writeFileChecked(io.cwd, opts.userData, result.userData);
    else if (!opts.quiet) io.err('Location for `user-data` specified, but respose does not contain any user-data\n');
  }
}

function runCheck(io: CliIo, opts: CheckOptions, positional: string[]): void {
  const input = opts.input ?? positional[0];
  const output = opts.output ?? positional[opts.input ? 0 : 1];
  if (!input || !output)
    throw new AttestError('ERR_CLI_USAGE', 'the following required arguments were not provided: <IN> <OUT>');
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
  if (checks.length > 0 && !opts.hostKeyDocument?.length) {
    throw new AttestError(
      'ERR_CLI_USAGE',
      'the following required arguments were not provided: --host-key-document <FILE>',
    );
  }
  if (opts.secret?.length && opts.secretStoreLocked === undefined) {
    throw new AttestError(
      'ERR_CLI_USAGE',
      'the following required arguments were not provided: --secret-store-locked <LOCKED>',
    );
  }
  const response = readFileBounded(io.cwd, input, MAX_EXCHANGE_SIZE);
  const hostKeys = (opts.hostKeyDocument ?? []).map((path) => ({
    name: path,
    phkh: naming(path, () => readHostKeyDocument(readFileBounded(io.cwd, path, MAX_SMALL_FILE)).phkh),
  }));
  const secretStore =
    opts.secretStoreLocked === undefined
      ? undefined
      : {
          locked: parseBool(opts.secretStoreLocked, '--secret-store-locked'),
          requests: (opts.secret ?? []).map((path) => ({
            name: path,
            bytes: readFileBounded(io.cwd, path, MAX_SMALL_FILE),
          })),
        };
  const result = naming(input, () =>
    checkAttestation({
      response,
      hostKeys,
      enforceImageKeyHash: checks.includes('boot-key-hash'),
      enforceAttestationKeyHash: checks.includes('att-key-hash'),
      ...(opts.userData ? { expectedUserData: readFileBounded(io.cwd, opts.userData, MAX_SMALL_FILE) } : {}),
      ...(secretStore ? { secretStore } : {}),
    }),
  );
  writeFileChecked(io.cwd, output, formatCheckYaml(result));
  if (!opts.quiet) io.err(formatCheckStderr(result));
  if (!result.successful) throw new CliExit(EXIT_ATTESTATION_FAILED);
}

function runExtract(io: CliIo, opts: ExtractOptions, image: string): void {
  let bytes: Uint8Array;
  try {
    bytes = readFileBounded(io.cwd, image, Number.MAX_SAFE_INTEGER);
  } catch (e) {
    if (e instanceof AttestError && e.code === 'ERR_CLI_FILE_READ') {
      io.err(`ERROR: File '${image}' not found\n`);
      throw new CliExit(EXIT_ERROR);
    }
    throw e;
  }
  if (opts.search === 'image') {
    const header = naming(image, () => {
      const loc = locateSeHeader(bytes);
      return { loc, parsed: parseSeHeader(bytes, loc.offset) };
    });
    io.out(`SE header found at offset ${formatOffset(header.loc.offset)}\n`);
    writeFileChecked(io.cwd, opts.output, bytes.subarray(header.loc.offset, header.loc.offset + header.parsed.phs));
    io.out(`SE header written to '${opts.output}' (${header.parsed.phs} bytes)\n`);
    return;
  }
  const result = extractSeHeaderWindow(bytes, {
    skipPages: parsePageCount(opts.skip),
    lengthPages: parsePageCount(opts.length),
  });
  switch (result.outcome) {
    case 'not-found':
      io.err(`ERROR: ${image} does not contain an SE header.\n`);
      throw new CliExit(EXIT_ERROR);
    case 'multiple':
      for (const o of result.offsets) io.out(`SE header found at offset ${formatOffset(o)}\n`);
      io.out('WARNING: unknown hdr version ');
      io.err(`ERROR: ${image} contains more than one SE header in the search window; narrow it with -s and -l.\n`);
      throw new CliExit(EXIT_ERROR);
    case 'bad-version':
      io.out(`SE header found at offset ${formatOffset(result.offset)}\n`);
      io.out('WARNING: unknown hdr version ');
      io.err(`ERROR: the SE header at ${formatOffset(result.offset)} of ${image} has an unknown version.\n`);
      throw new CliExit(EXIT_ERROR);
    case 'extracted':
      io.out(`SE header found at offset ${formatOffset(result.offset)}\n`);
      writeFileChecked(io.cwd, opts.output, result.header);
      io.out(`SE header written to '${opts.output}' (${result.sizeField} bytes)\n`);
  }
}

function runPerform(io: CliIo, opts: PerformOptions, positional: string[]): void {
  const input = opts.input ?? positional[0];
  const output = opts.output ?? positional[opts.input ? 0 : 1];
  if (!input || !output)
    throw new AttestError('ERR_CLI_USAGE', 'the following required arguments were not provided: <IN> <OUT>');
  if (!opts.hostKey?.length)
    throw new AttestError('ERR_CLI_USAGE', 'the software Ultravisor needs at least one --host-key');
  const request = readFileBounded(io.cwd, input, MAX_EXCHANGE_SIZE);
  const hostPrivateKeys = opts.hostKey.map((path) =>
    naming(path, () => p521PrivateKeyFromPem(Buffer.from(readFileBounded(io.cwd, path, 64 * 1024)).toString('utf8'))),
  );
  const seHeader = readFileBounded(io.cwd, opts.hdr, MAX_HEADER_FILE_SIZE);
  const cuid = opts.cuid ? fromHex(opts.cuid) : new Uint8Array(randomBytes(16));
  if (cuid.length !== 16)
    throw new AttestError('ERR_CUID_SIZE', `--cuid must be 16 bytes (32 hex digits), is ${cuid.length}`);
  const userData = opts.userData ? readFileBounded(io.cwd, opts.userData, 256 + 1) : undefined;
  if (userData && userData.length > 256)
    throw new AttestError('ERR_USER_DATA_SIZE', `${opts.userData}: user data must be at most 256 bytes`);
  const secretStore =
    opts.secretStoreLocked === undefined
      ? undefined
      : {
          locked: parseBool(opts.secretStoreLocked, '--secret-store-locked'),
          tags: (opts.secret ?? []).map((p) =>
            naming(p, () => readAddSecretRequestTag(readFileBounded(io.cwd, p, MAX_SMALL_FILE))),
          ),
        };
  try {
    const response = naming(input, () =>
      performAttestation({ request, hostPrivateKeys, seHeader, cuid, userData, secretStore }),
    );
    writeFileChecked(io.cwd, output, response);
  } finally {
    for (const k of hostPrivateKeys) k.fill(0);
  }
}

/** Registers create, verify, check, extract-hdr and perform on `program`. */
export function registerEngineCommands(program: Command, io: CliIo): void {
  const create = addCertificateOptions(
    program
      .command('create')
      .description('create an attestation request (pvattest create)')
      .requiredOption(
        '-k, --host-key-document <FILE>',
        'host-key document (repeatable or comma-separated)',
        collectList,
      ),
  )
    .option('--at <ISO-TIME>', 'verify the host-key documents as of this time')
    .requiredOption('-a, --arpk <FILE>', 'where to write the attestation request protection key (mode 0600)')
    .requiredOption('-o, --output <FILE>', 'where to write the request')
    .option(
      '--add-data <LIST>',
      'additional data to request: phkh-img, phkh-att, secret-store-hash, firmware-state',
      collectList,
    )
    .addOption(new Option('--x-no-nonce', 'leave out the nonce (C pvattest experimental option)').hideHelp());
  create.action(async (opts: CreateOptions & { xNoNonce?: boolean; verify?: boolean }) => {
    await runCreate(io, { ...opts, noVerify: opts.verify === false, nonce: !opts.xNoNonce });
  });

  program
    .command('verify')
    .description('verify an attestation response (pvattest verify)')
    .requiredOption('-i, --input <FILE>', 'the response from perform')
    .requiredOption('-a, --arpk <FILE>', 'the attestation request protection key from create')
    .requiredOption('--hdr <FILE>', 'the SE header or SE image of the guest')
    .option('-o, --output <FILE>', 'write the result here')
    .addOption(new Option('--format <FORMAT>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .option('-u, --user-data <FILE>', 'write the verified user data here')
    .option('-q, --quiet', 'print nothing on success or mismatch')
    .addOption(
      new Option('--dialect <TOOL>', "reader rules and YAML of IBM's Rust pvattest (2.33+) or of the C one (≤ 2.32)")
        .choices(['rust', 'c'])
        .default('rust'),
    )
    .action(async (opts: VerifyOptions) => runVerify(io, opts));

  program
    .command('check')
    .description('check an attestation response against policies (pvattest check)')
    .argument('[IN]')
    .argument('[OUT]')
    .option('-i, --input <FILE>', 'the response')
    .option('-o, --output <FILE>', 'where to write the check result (YAML)')
    .option('--format <FORMAT>', 'output format (yaml)', 'yaml')
    .option('-k, --host-key-document <FILE>', 'host-key document to match the PHKHs against', collectList)
    .option('--host-key-check <CHECK>', 'enforce: att-key-hash, boot-key-hash', collectList)
    .option('-u, --user-data <FILE>', 'expected user data')
    .option('--secret <FILE>', 'add-secret request, in the order they were added', collectList)
    .option('--secret-store-locked <LOCKED>', 'whether the secret store is locked (true|false)')
    .option('-q, --quiet', 'print nothing')
    .action(async (inArg: string | undefined, outArg: string | undefined, opts: CheckOptions) =>
      runCheck(
        io,
        opts,
        [inArg, outArg].filter((v): v is string => v !== undefined),
      ),
    );

  program
    .command('extract-hdr')
    .description("extract the SE header from an SE image (pvextract-hdr's window search)")
    .argument('<IMAGE>')
    .option('-o, --output <FILE>', 'output file', 'sehdr.bin')
    .option('-s, --skip <PAGES>', 'pages to skip', '0x14')
    .option('-l, --length <PAGES>', 'pages to search', '0x4')
    .addOption(
      new Option('--search <MODE>', "window: pvextract-hdr's search; image: pvattest's (metadata or page probe)")
        .choices(['window', 'image'])
        .default('window'),
    )
    .action(async (image: string, opts: ExtractOptions) => runExtract(io, opts, image));

  program
    .command('perform')
    .description('answer an attestation request with the software Ultravisor (demo and test guests)')
    .argument('[IN]')
    .argument('[OUT]')
    .option('-i, --input <FILE>', 'the request')
    .option('-o, --output <FILE>', 'where to write the response')
    .option('--host-key <KEY.pem>', 'host private key (P-521 PEM; repeatable)', collectList)
    .requiredOption('--hdr <FILE>', "the guest's SE header or image")
    .option('--cuid <HEX>', 'configuration unique ID (16 bytes); random by default')
    .option('-u, --user-data <FILE>', 'user data (at most 256 bytes)')
    .option('--secret <FILE>', 'add-secret requests already applied, in order', collectList)
    .option('--secret-store-locked <LOCKED>', 'whether the secret store is locked (true|false)')
    .action(async (inArg: string | undefined, outArg: string | undefined, opts: PerformOptions) =>
      runPerform(
        io,
        opts,
        [inArg, outArg].filter((v): v is string => v !== undefined),
      ),
    );
}
