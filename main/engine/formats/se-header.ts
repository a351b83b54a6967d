/**
 * The SE header v1 (spec §6.1) and the ways pvattest and pvextract-hdr find it in an image (§6.2–6.4).
 *
 * | Off | Size | Field |
 * |---|---|---|
 * | 0x000 | 8 | magic `IBMSecEx` |
 * | 0x008 | 4 | version 0x00000100 |
 * | 0x00C | 4 | phs: header size incl. tag |
 * | 0x010 | 12 | IV |
 * | 0x020 | 8 | nks |
 * | 0x028 | 8 | sea |
 * | 0x030 | 8 | nep: number of encrypted pages |
 * | 0x038 | 8 | pcf: plaintext control flags |
 * | 0x040 | 160 | customer public key |
 * | 0x0E0 | 64 | PLD: page list digest |
 * | 0x120 | 64 | ALD: address list digest |
 * | 0x160 | 64 | TLD: tweak list digest |
 * | 0x1A0 | 80·nks | key slots |
 * | phs−16 | 16 | tag |
 *
 * SE image metadata block at file offset 0xC000 (§6.2): magic `SeImgLnx` (8), hdr_off u64 (8), version u32 (4),
 * ipib_off u64 (8).
 */
import { AttestError } from '../../../shared/errors/index.js';
import { asByteSource, equalBytes, readU32, readU64, writeU32, writeU64, type ByteSource } from '../bytes.js';
import { KEY_SLOT_PHKH_SIZE, KEY_SLOT_SIZE } from './arcb.js';

export const SE_HDR_MAGIC = new Uint8Array(Buffer.from('IBMSecEx', 'latin1'));
export const SE_IMG_META_MAGIC = new Uint8Array(Buffer.from('SeImgLnx', 'latin1'));
export const SE_HDR_VERSION_1 = 0x0100;
export const SE_HDR_HEAD_SIZE = 0x1a0;
export const SE_HDR_TAG_SIZE = 16;
export const SE_HDR_MIN_SIZE_C = 0x280;
export const SE_IMG_META_OFFSET = 0xc000;
export const SE_IMG_META_SIZE = 28;
export const PAGE_SIZE = 0x1000;
export const SE_HDR_PROBES = 0x15;
export const PVEXTRACT_DEFAULT_SKIP_PAGES = 0x14;
export const PVEXTRACT_DEFAULT_LENGTH_PAGES = 4;
/**
 * The largest SE header any reader accepts (real ones are 1 or 2 pages; Rust pvattest sets no limit, and the
 * size field could claim 4 GiB): what a stored guest, perform and extraction hold in memory at most.
 */
export const MAX_SE_HEADER_SIZE = 64 * 1024 * 1024;
/** Field offsets and sizes of the plaintext head (the table above). */
export const SE_HDR_VERSION_OFFSET = 0x08;
export const SE_HDR_PHS_OFFSET = 0x0c;
export const SE_HDR_IV_OFFSET = 0x10;
export const SE_HDR_IV_SIZE = 12;
export const SE_HDR_NKS_OFFSET = 0x20;
export const SE_HDR_SEA_OFFSET = 0x28;
export const SE_HDR_NEP_OFFSET = 0x30;
export const SE_HDR_PCF_OFFSET = 0x38;
export const SE_HDR_CUSTOMER_KEY_OFFSET = 0x40;
export const SE_HDR_CUSTOMER_KEY_SIZE = 160;
export const SE_HDR_PLD_OFFSET = 0xe0;
export const SE_HDR_ALD_OFFSET = 0x120;
export const SE_HDR_TLD_OFFSET = 0x160;
export const SE_HDR_DIGEST_SIZE = 64;
/** The key slots follow the head. */
export const SE_HDR_KEY_SLOTS_OFFSET = SE_HDR_HEAD_SIZE;
/** Field offsets of the image metadata block (§6.2). */
export const SE_IMG_META_HDR_OFF_OFFSET = 8;
export const SE_IMG_META_VERSION_OFFSET = 16;
/** Offsets in the header's encrypted area (§6.1): CCK (32), XTS key (64), PSW (16), SCF (8), … */
export const SE_HDR_CONF_CCK_OFFSET = 0x00;
export const SE_HDR_CONF_CCK_SIZE = 32;
export const SE_HDR_CONF_XTS_KEY_SIZE = 64;
export const SE_HDR_CONF_PSW_SIZE = 16;
export const SE_HDR_CONF_SCF_OFFSET = 0x70;
export const SE_HDR_CONF_MIN_SIZE = 0x80;
/** Secret control flags (MSB0): bit 1, every add-secret request must carry the CCK-derived extension secret. */
export const SCF_CCK_EXTENSION_SECRET_ENFORCEMENT = 1n << 62n;
/** Bit 2: update-CCK secrets are allowed. */
export const SCF_CCK_UPDATE_ALLOWED = 1n << 61n;

/** PLD, ALD, TLD and the header tag: what the measurement covers (Rust `BootHdrTags`). */
export interface SeHeaderTags {
  readonly pld: Uint8Array;
  readonly ald: Uint8Array;
  readonly tld: Uint8Array;
  readonly tag: Uint8Array;
}

/** The plaintext facts of an SE header. */
export interface SeHeader extends SeHeaderTags {
  readonly version: number;
  readonly phs: number;
  readonly iv: Uint8Array;
  readonly nks: bigint;
  readonly sea: bigint;
  readonly nep: bigint;
  readonly pcf: bigint;
  readonly customerPublicKey: Uint8Array;
  /** PHKHs of the key slots that fit in the header. */
  readonly keySlotPhkhs: readonly Uint8Array[];
}

/** Where and how a header was found in a file. */
export interface SeHeaderLocation {
  readonly offset: number;
  readonly method: 'metadata' | 'probe';
  /** Non-fatal notes, e.g. an unknown metadata version. */
  readonly warnings: readonly string[];
}

/** PLD, ALD and TLD of a header's head (copies, or views into `head`). */
function measuredDigests(head: Uint8Array, copy: boolean): { pld: Uint8Array; ald: Uint8Array; tld: Uint8Array } {
  const at = (offset: number) =>
    copy ? head.slice(offset, offset + SE_HDR_DIGEST_SIZE) : head.subarray(offset, offset + SE_HDR_DIGEST_SIZE);
  return { pld: at(SE_HDR_PLD_OFFSET), ald: at(SE_HDR_ALD_OFFSET), tld: at(SE_HDR_TLD_OFFSET) };
}

/** The fields of a header's head that its writer chooses (magic, version and phs = `header.length` are set). */
export interface SeHeaderHeadFields {
  readonly iv: Uint8Array;
  readonly nks: number;
  readonly sea: number;
  readonly nep: bigint;
  readonly customerPublicKey: Uint8Array;
}

/**
 * Writes the plaintext head of a v1 header into `header` (its whole length is the phs): magic, version, phs,
 * IV, nks, sea, nep and the customer key; PCF stays zero, PLD/ALD/TLD and the slots are the caller's.
 */
export function writeSeHeaderHead(header: Uint8Array, f: SeHeaderHeadFields): void {
  header.set(SE_HDR_MAGIC, 0);
  writeU32(header, SE_HDR_VERSION_OFFSET, SE_HDR_VERSION_1);
  writeU32(header, SE_HDR_PHS_OFFSET, header.length);
  header.set(f.iv.subarray(0, SE_HDR_IV_SIZE), SE_HDR_IV_OFFSET);
  writeU64(header, SE_HDR_NKS_OFFSET, BigInt(f.nks));
  writeU64(header, SE_HDR_SEA_OFFSET, BigInt(f.sea));
  writeU64(header, SE_HDR_NEP_OFFSET, f.nep);
  header.set(f.customerPublicKey.subarray(0, SE_HDR_CUSTOMER_KEY_SIZE), SE_HDR_CUSTOMER_KEY_OFFSET);
}

function hasMagicAt(bytes: Uint8Array, offset: number, magic: Uint8Array): boolean {
  if (offset < 0 || offset + magic.length > bytes.length) return false;
  return equalBytes(bytes.subarray(offset, offset + magic.length), magic);
}

/**
 * Parses the header starting at `offset` of `bytes` with Rust pvattest's rules: magic, version 0x100, and the
 * tag at phs − 16 inside the file. Errors: ERR_SEHDR_INVALID, ERR_SEHDR_VERSION, ERR_SEHDR_TRUNCATED.
 */
export function parseSeHeader(bytes: Uint8Array, offset = 0): SeHeader {
  if (offset + SE_HDR_HEAD_SIZE > bytes.length) {
    if (hasMagicAt(bytes, offset, SE_HDR_MAGIC)) {
      throw new AttestError(
        'ERR_SEHDR_TRUNCATED',
        'Invalid SE header provided: failed to fill whole buffer (header is truncated)',
      );
    }
    throw new AttestError('ERR_SEHDR_INVALID', 'Invalid SE header provided');
  }
  if (!hasMagicAt(bytes, offset, SE_HDR_MAGIC))
    throw new AttestError('ERR_SEHDR_INVALID', 'Invalid SE header provided');
  const version = readU32(bytes, offset + SE_HDR_VERSION_OFFSET);
  if (version !== SE_HDR_VERSION_1) {
    throw new AttestError('ERR_SEHDR_VERSION', `Invalid SE header provided (version 0x${version.toString(16)})`);
  }
  const phs = readU32(bytes, offset + SE_HDR_PHS_OFFSET);
  if (phs < SE_HDR_HEAD_SIZE + SE_HDR_TAG_SIZE) {
    throw new AttestError('ERR_SEHDR_INVALID', `Invalid SE header provided (header size ${phs} is too small)`);
  }
  if (offset + phs > bytes.length) {
    throw new AttestError(
      'ERR_SEHDR_TRUNCATED',
      'Invalid SE header provided: failed to fill whole buffer (tag lies past the end)',
    );
  }
  const nks = readU64(bytes, offset + SE_HDR_NKS_OFFSET);
  const slotRoom = Math.floor((phs - SE_HDR_HEAD_SIZE - SE_HDR_TAG_SIZE) / KEY_SLOT_SIZE);
  const slots = nks > BigInt(slotRoom) ? slotRoom : Number(nks);
  const keySlotPhkhs: Uint8Array[] = [];
  for (let i = 0; i < slots; i++) {
    const at = offset + SE_HDR_KEY_SLOTS_OFFSET + KEY_SLOT_SIZE * i;
    keySlotPhkhs.push(bytes.slice(at, at + KEY_SLOT_PHKH_SIZE));
  }
  return {
    version,
    phs,
    iv: bytes.slice(offset + SE_HDR_IV_OFFSET, offset + SE_HDR_IV_OFFSET + SE_HDR_IV_SIZE),
    nks,
    sea: readU64(bytes, offset + SE_HDR_SEA_OFFSET),
    nep: readU64(bytes, offset + SE_HDR_NEP_OFFSET),
    pcf: readU64(bytes, offset + SE_HDR_PCF_OFFSET),
    customerPublicKey: bytes.slice(
      offset + SE_HDR_CUSTOMER_KEY_OFFSET,
      offset + SE_HDR_CUSTOMER_KEY_OFFSET + SE_HDR_CUSTOMER_KEY_SIZE,
    ),
    ...measuredDigests(bytes.subarray(offset, offset + SE_HDR_HEAD_SIZE), true),
    tag: bytes.slice(offset + phs - SE_HDR_TAG_SIZE, offset + phs),
    keySlotPhkhs,
  };
}

/**
 * Reads only what the measurement needs (PLD, ALD, TLD, tag) from the header at `offset`, with the same checks
 * and errors as `parseSeHeader`. From a ByteSource only the 0x1A0-byte head and the 16-byte tag are read, so the
 * header's size field (up to 4 GiB) never decides how much is read.
 */
export function readSeHeaderTags(input: Uint8Array | ByteSource, offset = 0): SeHeaderTags {
  const source = asByteSource(input);
  const head = source.read(offset, SE_HDR_HEAD_SIZE);
  if (head.length < SE_HDR_HEAD_SIZE || !hasMagicAt(head, 0, SE_HDR_MAGIC)) return seHeaderTags(parseSeHeader(head));
  const phs = readU32(head, SE_HDR_PHS_OFFSET);
  if (readU32(head, SE_HDR_VERSION_OFFSET) !== SE_HDR_VERSION_1 || phs < SE_HDR_HEAD_SIZE + SE_HDR_TAG_SIZE)
    return seHeaderTags(parseSeHeader(head)); // throws the precise error
  const tag = source.read(offset + phs - SE_HDR_TAG_SIZE, SE_HDR_TAG_SIZE);
  if (tag.length < SE_HDR_TAG_SIZE) {
    throw new AttestError(
      'ERR_SEHDR_TRUNCATED',
      'Invalid SE header provided: failed to fill whole buffer (tag lies past the end)',
    );
  }
  return { ...measuredDigests(head, false), tag };
}

/** True when `source` holds `magic` at `offset`. */
function sourceHasMagic(source: ByteSource, offset: number, magic: Uint8Array): boolean {
  return hasMagicAt(source.read(offset, magic.length), 0, magic);
}

/**
 * Finds the SE header as Rust `pvattest verify --hdr` does (§6.3): the `SeImgLnx` metadata at 0xC000 gives one
 * probe at hdr_off; otherwise 21 probes at page boundaries 0x0 … 0x14000. Reads at most 29 × 8 bytes of a
 * ByteSource. Throws ERR_SEHDR_NOT_FOUND.
 */
export function locateSeHeader(input: Uint8Array | ByteSource): SeHeaderLocation {
  const source = asByteSource(input);
  const warnings: string[] = [];
  if (sourceHasMagic(source, SE_IMG_META_OFFSET, SE_IMG_META_MAGIC)) {
    const meta = source.read(SE_IMG_META_OFFSET, SE_IMG_META_SIZE);
    if (meta.length < SE_IMG_META_SIZE) {
      throw new AttestError('ERR_SEHDR_NOT_FOUND', 'Invalid SE header provided (image metadata is truncated)');
    }
    const hdrOff = readU64(meta, SE_IMG_META_HDR_OFF_OFFSET);
    const version = readU32(meta, SE_IMG_META_VERSION_OFFSET);
    if (version !== 1) warnings.push(`Unknown Secure Execution boot image version ${version}`);
    if (hdrOff <= BigInt(source.size) && sourceHasMagic(source, Number(hdrOff), SE_HDR_MAGIC)) {
      return { offset: Number(hdrOff), method: 'metadata', warnings };
    }
    throw new AttestError(
      'ERR_SEHDR_NOT_FOUND',
      'Invalid SE header provided (no header where the image metadata points)',
    );
  }
  for (let k = 0; k < SE_HDR_PROBES; k++) {
    const at = k * PAGE_SIZE;
    if (at + 8 > source.size) break;
    if (sourceHasMagic(source, at, SE_HDR_MAGIC)) return { offset: at, method: 'probe', warnings };
  }
  throw new AttestError('ERR_SEHDR_NOT_FOUND', 'Invalid SE header provided');
}

/** Finds a header as Rust `verify --hdr` does and reads its measured tags (a ByteSource: a few hundred bytes). */
export function findSeHeaderTags(input: Uint8Array | ByteSource): {
  readonly tags: SeHeaderTags;
  readonly location: SeHeaderLocation;
} {
  const location = locateSeHeader(input);
  return { tags: readSeHeaderTags(input, location.offset), location };
}

/** Finds and parses the header in a bare header file or an SE image, as Rust `verify --hdr` does. */
export function findSeHeader(bytes: Uint8Array): SeHeader & { readonly location: SeHeaderLocation } {
  const location = locateSeHeader(bytes);
  return { ...parseSeHeader(bytes, location.offset), location };
}

/**
 * The bare header (phs bytes) starting at `offset`, read with `parseSeHeader`'s checks. From a ByteSource only the
 * header is read; a size field above MAX_SE_HEADER_SIZE is ERR_SEHDR_INVALID.
 */
export function readSeHeaderAt(input: Uint8Array | ByteSource, offset: number): Uint8Array {
  const source = asByteSource(input);
  const head = source.read(offset, SE_HDR_HEAD_SIZE);
  const phs = head.length >= SE_HDR_PHS_OFFSET + 4 ? readU32(head, SE_HDR_PHS_OFFSET) : 0;
  if (phs > MAX_SE_HEADER_SIZE) {
    throw new AttestError(
      'ERR_SEHDR_INVALID',
      `Invalid SE header provided (header size ${phs} exceeds the ${MAX_SE_HEADER_SIZE}-byte limit)`,
    );
  }
  const header = source.read(offset, Math.max(phs, SE_HDR_HEAD_SIZE));
  return header.slice(0, parseSeHeader(header).phs);
}

/** The bare header out of a header file or an SE image, found as Rust `verify --hdr` finds it (`readSeHeaderAt`). */
export function extractSeHeader(headerOrImage: Uint8Array | ByteSource): Uint8Array {
  const source = asByteSource(headerOrImage);
  return readSeHeaderAt(source, locateSeHeader(source).offset);
}

/**
 * Reads the header tags with C pvattest's rules (§6.3 end): an extracted header only, size ≥ 640, phs equal
 * to the file size, magic, tag at phs − 16; no version check. Throws ERR_SEHDR_INVALID.
 */
export function parseSeHeaderTagsC(input: Uint8Array | ByteSource): SeHeaderTags {
  const source = asByteSource(input);
  const head = source.read(0, SE_HDR_HEAD_SIZE);
  if (
    source.size < SE_HDR_MIN_SIZE_C ||
    !hasMagicAt(head, 0, SE_HDR_MAGIC) ||
    readU32(head, SE_HDR_PHS_OFFSET) !== source.size
  ) {
    throw new AttestError('ERR_SEHDR_INVALID', 'Invalid SE header provided.');
  }
  return { ...measuredDigests(head, true), tag: source.read(source.size - SE_HDR_TAG_SIZE, SE_HDR_TAG_SIZE).slice() };
}

/** Where pvextract-hdr's window search found the header (§6.4), without the header's bytes. */
export type SeHeaderWindowMatch =
  | {
      readonly outcome: 'extracted';
      readonly offset: number;
      /** The header's size field, as pvextract-hdr reports it. */
      readonly sizeField: number;
      /** How many bytes pvextract-hdr's `dd` copies: the size field, cut at the end of the file. */
      readonly length: number;
    }
  | { readonly outcome: 'not-found' }
  | { readonly outcome: 'bad-version'; readonly offset: number }
  | { readonly outcome: 'multiple'; readonly offsets: readonly number[] };

/** Outcome of `extractSeHeaderWindow`, mirroring pvextract-hdr's behaviour (§6.4). */
export type SeHeaderExtraction =
  | { readonly outcome: 'extracted'; readonly offset: number; readonly header: Uint8Array; readonly sizeField: number }
  | { readonly outcome: 'not-found' }
  | { readonly outcome: 'bad-version'; readonly offset: number }
  | { readonly outcome: 'multiple'; readonly offsets: readonly number[] };

/** Parameters of `extractSeHeaderWindow`: pages to skip and to search (pvextract-hdr's -s and -l). */
export interface ExtractSeHeaderWindowParams {
  readonly skipPages?: number;
  readonly lengthPages?: number;
}

/** The window is scanned in chunks of this size (a multiple of od's 16-byte rows). */
const WINDOW_CHUNK_SIZE = 1024 * 1024;
const OD_ROW_SIZE = 16;

/**
 * pvextract-hdr's search (§6.4) through positioned reads of the window only: the 16-byte rows of
 * [skip, skip+len) whose printable rendering contains `IBMSecEx` (the 8 bytes inside one row: non-printable
 * bytes render as '.', which the magic does not contain) give the header start (the row's address); the
 * version at start+8 must be 0x100. Memory stays at one 1 MiB chunk whatever the window or file size.
 */
export function searchSeHeaderWindow(
  input: Uint8Array | ByteSource,
  params: ExtractSeHeaderWindowParams = {},
): SeHeaderWindowMatch {
  const source = asByteSource(input);
  const skip = (params.skipPages ?? PVEXTRACT_DEFAULT_SKIP_PAGES) * PAGE_SIZE;
  const length = (params.lengthPages ?? PVEXTRACT_DEFAULT_LENGTH_PAGES) * PAGE_SIZE;
  if (!Number.isSafeInteger(skip) || !Number.isSafeInteger(length) || skip < 0 || length < 0) {
    throw new AttestError('ERR_INPUT_INVALID', 'page counts must be non-negative integers');
  }
  const end = Math.min(source.size, skip + length);
  const offsets: number[] = [];
  const magic = Buffer.from(SE_HDR_MAGIC);
  for (let at = skip; at < end; at += WINDOW_CHUNK_SIZE) {
    const chunk = source.read(at, Math.min(WINDOW_CHUNK_SIZE, end - at));
    const view = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let lastRow = -1;
    for (let hit = view.indexOf(magic); hit >= 0; hit = view.indexOf(magic, hit + 1)) {
      const row = hit - (hit % OD_ROW_SIZE);
      if (hit + magic.length <= row + OD_ROW_SIZE && row !== lastRow) {
        offsets.push(at + row);
        lastRow = row;
      }
    }
  }
  if (offsets.length === 0) return { outcome: 'not-found' };
  if (offsets.length > 1) return { outcome: 'multiple', offsets };
  const offset = offsets[0] as number;
  const fields = source.read(offset + SE_HDR_VERSION_OFFSET, 8);
  if (fields.length < 4 || readU32(fields, 0) !== SE_HDR_VERSION_1) return { outcome: 'bad-version', offset };
  const sizeField = fields.length >= 8 ? readU32(fields, 4) : 0;
  return { outcome: 'extracted', offset, sizeField, length: Math.min(source.size, offset + sizeField) - offset };
}

/**
 * Throws ERR_SEHDR_INVALID when the header a window search found is larger than MAX_SE_HEADER_SIZE (what
 * extraction copies is bounded); `where` (e.g. " at 0x14000 of image.img") goes into the message.
 */
export function refuseOversizedWindowMatch(
  match: Extract<SeHeaderWindowMatch, { outcome: 'extracted' }>,
  where = '',
): void {
  if (match.length <= MAX_SE_HEADER_SIZE) return;
  throw new AttestError(
    'ERR_SEHDR_INVALID',
    `the SE header's size field${where} (${match.sizeField}) exceeds the ${MAX_SE_HEADER_SIZE}-byte limit`,
    { offset: match.offset, sizeField: match.sizeField },
  );
}

/**
 * pvextract-hdr's search with the header's bytes: `size` bytes are copied (up to the end of the file), and the
 * size field is reported as written. A size field above MAX_SE_HEADER_SIZE is ERR_SEHDR_INVALID.
 */
export function extractSeHeaderWindow(
  input: Uint8Array | ByteSource,
  params: ExtractSeHeaderWindowParams = {},
): SeHeaderExtraction {
  const source = asByteSource(input);
  const match = searchSeHeaderWindow(source, params);
  if (match.outcome !== 'extracted') return match;
  refuseOversizedWindowMatch(match);
  return {
    outcome: 'extracted',
    offset: match.offset,
    header: source.read(match.offset, match.length).slice(),
    sizeField: match.sizeField,
  };
}

/** The tags of a parsed header. */
export function seHeaderTags(header: SeHeaderTags): SeHeaderTags {
  return { pld: header.pld, ald: header.ald, tld: header.tld, tag: header.tag };
}
