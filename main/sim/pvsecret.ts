/**
 * `pvsecret add | lock | list | retrieve` as a simulated guest answers them (spec add-secret §6): IBM's argument
 * handling, messages and exit codes over the guest's software secret store. `add` keeps pvsecret's duplicate-ID
 * check with its `bin_id` quirk (it compares PLD bytes 8..40, so in practice it never fires), exactly as the real
 * tool on s390x would.
 */
import { equalBytes } from '../engine/bytes.js';
import { sha256 } from '../engine/crypto/primitives.js';
import { ASRCB_MAGIC, ASRCB_MAX_SIZE, SECRET_ID_SIZE, parseAddSecretRequest } from '../engine/formats/asrcb.js';
import {
  ADD_SECRET_RC_TEXT,
  LOCK_RC_TEXT,
  RETRIEVE_RC_TEXT,
  SECRET_UV_RC,
  formatUvRc,
  type SoftwareSecretStore,
} from '../engine/attest/secret-store.js';
import { secretIdFromName, parseSecretIdHex, formatSecretId } from '../engine/secret/secret-id.js';
import {
  encodeSecretList,
  formatRetrievedSecretPem,
  formatSecretListHuman,
  formatSecretListYaml,
  retrievedSecretBytes,
} from '../engine/secret/secret-list.js';

/** The guest's file system as pvsecret sees it. */
export interface PvsecretFiles {
  read(path: string): Uint8Array | undefined;
  /** False when the parent directory does not exist. */
  write(path: string, data: Uint8Array): boolean;
}

/** What one pvsecret run printed. */
export interface PvsecretRun {
  readonly exitCode: number;
  readonly stdout?: string | Uint8Array;
  readonly stderr?: string;
}

/** The state and hooks of one run. */
export interface PvsecretContext {
  readonly store: SoftwareSecretStore;
  readonly files: PvsecretFiles;
  /** Called with every request `add` was given. */
  readonly onAdd?: (request: Uint8Array) => void;
  /** Fault injection: the Ultravisor refuses every add with this rc. */
  readonly rejectAddWith?: number;
}

const uvError = (text: string | undefined, rc: number) =>
  `error: Ultravisor: '${text ?? 'unexpected error-code'}' (${formatUvRc(rc)},0x0000)\n`;
const usage = (message: string): PvsecretRun => ({
  exitCode: 1,
  stderr: `error: ${message}\n\nUsage: pvsecret [OPTIONS] <COMMAND>\n\nFor more information, try '--help'.\n`,
});

/** Splits `-x VALUE` / `--long VALUE` / `--long=VALUE` options from positionals. */
function parseArgs(
  args: readonly string[],
  withValue: readonly string[],
  flags: readonly string[],
): { opts: Map<string, string>; positional: string[]; error?: string } {
  const opts = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    if (withValue.includes(name)) {
      const value = eq > 0 && a.startsWith('--') ? a.slice(eq + 1) : args[++i];
      if (value === undefined)
        return { opts, positional, error: `a value is required for '${name}' but none was supplied` };
      opts.set(name, value);
    } else if (flags.includes(a)) opts.set(a, 'true');
    else if (a.startsWith('-') && a !== '-') return { opts, positional, error: `unexpected argument '${a}' found` };
    else positional.push(a);
  }
  return { opts, positional };
}

function add(args: readonly string[], ctx: PvsecretContext): PvsecretRun {
  const p = parseArgs(args, ['-i', '--input'], ['-f', '--force', '-v', '--verbose', '-q', '--quiet']);
  if (p.error) return usage(p.error);
  const input = p.opts.get('-i') ?? p.opts.get('--input') ?? p.positional[0];
  if (input === undefined)
    return usage('the following required arguments were not provided:\n  <--input <FILE>|INPUT>');
  const bytes = ctx.files.read(input);
  if (bytes === undefined) return { exitCode: 1, stderr: `error: Cannot open \`${input}\`\n` };
  ctx.onAdd?.(bytes);
  if (bytes.length > ASRCB_MAX_SIZE)
    return { exitCode: 1, stderr: 'error: Input add-secret request is larger than 8k\n' };
  if (bytes.length < ASRCB_MAGIC.length || !equalBytes(bytes.subarray(0, ASRCB_MAGIC.length), ASRCB_MAGIC))
    return { exitCode: 1, stderr: 'error: Input does not contain an add-secret request\n' };
  try {
    parseAddSecretRequest(bytes);
  } catch {
    return { exitCode: 1, stderr: 'error: Provided binary request is too small\n' };
  }
  // IBM's bin_id reads the "ID" at 0x40..0x60 (spec §2.9 quirk)
  const quirkId = bytes.subarray(0x40, 0x40 + SECRET_ID_SIZE);
  let stderr = '';
  if (ctx.store.list().entries.some((e) => equalBytes(e.id, quirkId))) {
    stderr += 'There is already a secret in the secret store with that id.\n';
    if (!p.opts.has('-f') && !p.opts.has('--force'))
      return { exitCode: 1, stderr: `${stderr}error: Unable to add the secret due to duplicated IDs\n` };
    stderr += "'--force' specified: Adding the secret anyways.\n";
  }
  const rc = ctx.rejectAddWith ?? ctx.store.add(bytes).rc;
  if (rc !== SECRET_UV_RC.SUCCESS) return { exitCode: 1, stderr: `${stderr}${uvError(ADD_SECRET_RC_TEXT[rc], rc)}` };
  return { exitCode: 0, stderr: `${stderr}Successfully added the secret\n` };
}

function lock(args: readonly string[], ctx: PvsecretContext): PvsecretRun {
  const p = parseArgs(args, [], ['-v', '--verbose', '-q', '--quiet']);
  if (p.error || p.positional.length > 0) return usage(p.error ?? `unexpected argument '${p.positional[0]}' found`);
  const { rc } = ctx.store.lock();
  if (rc !== SECRET_UV_RC.SUCCESS) return { exitCode: 1, stderr: uvError(LOCK_RC_TEXT[rc], rc) };
  return { exitCode: 0, stderr: 'Successfully locked secret store\n' };
}

function output(ctx: PvsecretContext, path: string | undefined, data: string | Uint8Array, what: string): PvsecretRun {
  if (path === undefined || path === '-') return { exitCode: 0, stdout: data };
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  if (!ctx.files.write(path, bytes)) return { exitCode: 1, stderr: `error: Cannot create \`${path}\`\n` };
  return { exitCode: 0, stderr: `Successfully wrote ${what} to '${path}'\n` };
}

function list(args: readonly string[], ctx: PvsecretContext): PvsecretRun {
  const p = parseArgs(args, ['--format', '-o', '--output'], ['-v', '--verbose', '-q', '--quiet']);
  if (p.error) return usage(p.error);
  const format = p.opts.get('--format') ?? 'human';
  const l = ctx.store.list();
  const out = p.opts.get('-o') ?? p.opts.get('--output') ?? p.positional[0];
  switch (format) {
    case 'human':
      return output(ctx, out, formatSecretListHuman(l), 'the list of secrets');
    case 'yaml':
      return output(ctx, out, formatSecretListYaml(l), 'the list of secrets');
    case 'bin':
      return output(ctx, out, encodeSecretList(l), 'the list of secrets');
    default:
      return usage(`invalid value '${format}' for '--format <FORMAT>' [possible values: human, yaml, bin]`);
  }
}

/** The IDs `retrieve` looks for, in order (spec §6.5: name, then SHA-256 of the ASCII name). */
function candidateIds(input: string, inform: string, ctx: PvsecretContext): Uint8Array[] | number | string {
  switch (inform) {
    case 'idx': {
      const n = Number(input);
      return Number.isInteger(n) && n >= 0 && n <= 0xffff ? n : `invalid index '${input}'`;
    }
    case 'hex':
      try {
        return [parseSecretIdHex(input)];
      } catch {
        return `invalid secret ID '${input}'`;
      }
    case 'name': {
      const id = secretIdFromName(input, true);
      const ascii = Buffer.from(id.subarray(0, Math.max(0, id.indexOf(0)))).toString('latin1');
      return [id, sha256(new TextEncoder().encode(ascii))];
    }
    case 'yaml': {
      const text = ctx.files.read(input);
      if (text === undefined) return `Cannot open \`${input}\``;
      const body = Buffer.from(text).toString('utf8');
      const kind = /^!(\w+)/.exec(body)?.[1];
      if (kind !== 'Retrievable') return `The file contains a ${kind ?? 'unknown'}-secret, which is not retrievable.`;
      const id = /^id: (0x[0-9a-f]{64})$/m.exec(body)?.[1];
      return id ? [parseSecretIdHex(id)] : 'the file holds no secret ID';
    }
    default:
      return `invalid value '${inform}' for '--inform <INFORM>' [possible values: yaml, hex, name, idx]`;
  }
}

function retrieve(args: readonly string[], ctx: PvsecretContext): PvsecretRun {
  const p = parseArgs(
    args,
    ['-i', '--input', '--inform', '--outform', '-o', '--output'],
    ['-v', '--verbose', '-q', '--quiet'],
  );
  if (p.error) return usage(p.error);
  const input = p.opts.get('-i') ?? p.opts.get('--input') ?? p.positional[0];
  if (input === undefined)
    return usage('the following required arguments were not provided:\n  <--input <FILE>|INPUT>');
  const fail = (why: string) => ({
    exitCode: 1,
    stderr: `error: Could not retrieve the secret from the UV secret store.${p.opts.has('-v') ? `\n\nCaused by:\n    ${why}` : ''}\n`,
  });
  const wanted = candidateIds(input, p.opts.get('--inform') ?? 'yaml', ctx);
  if (typeof wanted === 'string') return fail(wanted);
  const entries = ctx.store.list().entries;
  let stderr = '';
  let entry;
  if (typeof wanted === 'number') {
    entry = entries.find((e) => e.index === wanted);
    if (!entry) return fail(`The UV secret-store has no secret with the index ${wanted}`);
  } else {
    for (const id of wanted) {
      const hits = entries.filter((e) => equalBytes(e.id, id));
      if (hits.length > 1)
        stderr += `There are multiple secrets in the secret store with that id. Indices: ${hits.map((h) => h.index).join(', ')}\n`;
      entry = hits[0];
      if (entry) break;
    }
    if (!entry) return fail(`The UV secret-store has no secret with the ID ${formatSecretId(wanted[0]!)}`);
  }
  const r = ctx.store.retrieve(entry.index);
  if (r.rc !== SECRET_UV_RC.SUCCESS)
    return fail(`Ultravisor: '${RETRIEVE_RC_TEXT[r.rc] ?? 'unexpected error-code'}' (${formatUvRc(r.rc)},0x0000)`);
  const outform = p.opts.get('--outform') ?? 'pem';
  if (outform !== 'pem' && outform !== 'bin')
    return usage(`invalid value '${outform}' for '--outform <OUTFORM>' [possible values: pem, bin]`);
  const data =
    outform === 'pem' ? formatRetrievedSecretPem(r.type!, r.secret!) : retrievedSecretBytes(r.type!, r.secret!);
  const written = output(ctx, p.opts.get('-o') ?? p.opts.get('--output') ?? p.positional[1], data, 'the secret');
  return { ...written, stderr: `${stderr}${written.stderr ?? ''}` };
}

/** Runs `pvsecret ARGS` on the simulated guest. */
export function runPvsecret(args: readonly string[], ctx: PvsecretContext): PvsecretRun {
  const [command, ...rest] = args;
  switch (command) {
    case 'add':
      return add(rest, ctx);
    case 'lock':
      return lock(rest, ctx);
    case 'list':
      return list(rest, ctx);
    case 'retrieve':
    case 'retr':
      return retrieve(rest, ctx);
    case '--version':
    case 'version':
      return { exitCode: 0, stdout: 'pvsecret version 2.43.0 (simulated guest)\nCopyright IBM Corp. 2024\n' };
    default:
      return usage(command === undefined ? "'pvsecret' requires a subcommand" : `unrecognized subcommand '${command}'`);
  }
}
