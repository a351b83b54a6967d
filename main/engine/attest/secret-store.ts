/**
 * The software Ultravisor's secret store (spec add-secret §7, inferred from IBM's tools): Add Secret, Lock,
 * List and Retrieve with the return codes of §6.2–6.6, one store per guest. It opens requests with the guest's
 * host private keys, checks them against the guest's SE header (boot tags, CCK, secret control flags) and CUID,
 * and keeps the ordered request tags and the lock bit that the secret-store hash measures (§6.7). Like the real
 * UV it accepts duplicate IDs and replays: refusing those is the client's job.
 *
 * Retrieved keys are stand-in "protected keys" (the key masked under a per-store wrapping key, then a 32-byte
 * wrapping-key verification pattern): real firmware wraps them with a per-guest key software cannot produce.
 */
import { concatBytes, equalBytes, readU32, readU64, viewOf, wipe } from '../bytes.js';
import type { EngineContext } from '../crypto/context.js';
import { constantTimeEqual, sha256, sha512 } from '../crypto/primitives.js';
import {
  ARCB_NKS_OFFSET,
  ARCB_SEA_OFFSET,
  KEY_SLOT_SIZE,
  REQUEST_HEADER_SIZE,
  REQUEST_LENGTH_OFFSET,
  REQUEST_VERSION_OFFSET,
} from '../formats/arcb.js';
import {
  ASRCB_CUID_OFFSET,
  ASRCB_CUID_SIZE,
  ASRCB_FLAG_DISABLE_DUMP,
  ASRCB_FLAGS_OFFSET,
  ASRCB_KEY_SLOTS_OFFSET,
  ASRCB_MAGIC,
  ASRCB_MAX_SIZE,
  ASRCB_TAG_SIZE,
  ASRCB_VERSION_1,
  EXTENSION_SECRET_SIZE,
  secretHeaderSize,
} from '../formats/asrcb.js';
import {
  SCF_CCK_EXTENSION_SECRET_ENFORCEMENT,
  SCF_CCK_UPDATE_ALLOWED,
  findSeHeader,
  type SeHeaderTags,
} from '../formats/se-header.js';
import { deriveExtensionSecret, decryptAddSecretRequest } from '../secret/add-secret-request.js';
import {
  SECRET_TYPE_ASSOCIATION,
  SECRET_TYPE_PLAINTEXT,
  SECRET_TYPE_UPDATE_CCK,
  isValidSecretLength,
  secretTypeInfo,
} from '../secret/kinds.js';
import type { SecretList, SecretListEntry } from '../secret/secret-list.js';
import { computeSecretStoreHash } from './measurement.js';
import { openSeHeader } from './se-header-secrets.js';

/** Return codes of the secret UV calls (spec add-secret §6.6). */
export const SECRET_UV_RC = {
  SUCCESS: 0x0001,
  MORE_DATA: 0x0100,
  BUFFER_TOO_SMALL: 0x0009,
  NOT_ALLOWED: 0x0101,
  LOCKED: 0x0102,
  ACCESS_EXCEPTION: 0x0103,
  UNSUPPORTED_VERSION: 0x0104,
  INVALID_SIZE: 0x0105,
  INVALID_HOST_KEYS: 0x0106,
  UNSUPPORTED_FLAGS: 0x0107,
  DECRYPT_FAILED: 0x0108,
  UNSUPPORTED_SECRET: 0x0109,
  INVALID_LENGTH: 0x010a,
  STORE_FULL: 0x010b,
  UNABLE_TO_ADD: 0x010c,
  DUMP_IN_PROGRESS: 0x010d,
  STORE_EMPTY: 0x010f,
  NO_SUCH_INDEX: 0x0110,
  NOT_RETRIEVABLE: 0x0111,
} as const;

/** pvsecret's texts for the Add Secret return codes (`AddCmd::rc_fmt`). */
export const ADD_SECRET_RC_TEXT: Readonly<Record<number, string>> = {
  0x0101: 'not allowed to modify the secret store',
  0x0102: 'secret store locked',
  0x0103: 'access exception when accessing request control block',
  0x0104: 'unsupported add secret version',
  0x0105: 'invalid request size',
  0x0106: 'invalid number of host-keys',
  0x0107: 'unsupported flags specified',
  0x0108: 'unable to decrypt the request',
  0x0109: 'unsupported secret provided',
  0x010a: 'invalid length for the specified secret',
  0x010b: 'secret store full',
  0x010c: 'unable to add secret',
  0x010d: 'dump in progress, try again later',
};

/** Lock rc texts (`LockCmd`). */
export const LOCK_RC_TEXT: Readonly<Record<number, string>> = {
  0x0101: 'not allowed to modify the secret store',
  0x0102: 'secret store already locked',
};

/** Retrieve rc texts (`RetrieveCmd`). */
export const RETRIEVE_RC_TEXT: Readonly<Record<number, string>> = {
  0x0009: 'the allocated buffer is to small to store the secret',
  0x0102: 'access exception recognized when accessing retrieved secret storage area',
  0x010f: 'the Secret Store is empty',
  0x0110: 'the Secret Store does not contain a secret with the specified index',
  0x0111: 'the secret is not retrievable',
};

/** The guest a store belongs to. */
export interface SecretStoreGuest {
  readonly hostPrivateKeys: readonly Uint8Array[];
  /** The guest's SE header, bare or inside its image. */
  readonly seHeader: Uint8Array;
  readonly cuid: Uint8Array;
}

/** Options of a store (firmware-defined limits and states). */
export interface SecretStoreOptions {
  /** Listable secrets the store holds at most (default 64). */
  readonly capacity?: number;
  /** Makes the wrapping key of retrieved stand-in protected keys. */
  readonly ctx: EngineContext;
}

/** The outcome of one Add Secret call; `why` explains a rejection in plain words (never secret values). */
export interface AddSecretOutcome {
  readonly rc: number;
  readonly why?: string;
  /** The request tag (added to the store hash on success). */
  readonly tag?: Uint8Array;
  /** The list index of a listable secret. */
  readonly index?: number;
  readonly secretType?: number;
}

interface StoredSecret extends SecretListEntry {
  readonly value: Uint8Array;
}

/** Hex rc as pvsecret prints it. */
export function formatUvRc(rc: number): string {
  return `0x${rc.toString(16).padStart(4, '0')}`;
}

/** One guest's secret store; see the module summary. */
export class SoftwareSecretStore {
  private readonly tagList: Uint8Array[] = [];
  private readonly secrets: StoredSecret[] = [];
  private isLocked = false;
  private firstExtension: Uint8Array | undefined;
  private cck: Uint8Array | undefined;
  private readonly scf: bigint;
  private readonly bootTags: SeHeaderTags;
  private readonly capacity: number;
  private readonly wrappingKey: Uint8Array;
  /** True once a request with the disable-dump flag went in. */
  dumpDisabled = false;
  /** Fault states a test or the simulated guest may set. */
  dumpInProgress = false;
  mayModify = true;

  constructor(
    private readonly guest: SecretStoreGuest,
    options: SecretStoreOptions,
  ) {
    const header = findSeHeader(guest.seHeader);
    this.bootTags = { pld: header.pld, ald: header.ald, tld: header.tld, tag: header.tag };
    const opened = openSeHeader(guest.seHeader, guest.hostPrivateKeys);
    this.cck = opened?.cck;
    this.scf = opened?.scf ?? 0n;
    this.capacity = options.capacity ?? 64;
    this.wrappingKey = options.ctx.randomBytes(32);
  }

  /** True once locked. */
  get locked(): boolean {
    return this.isLocked;
  }

  /** Tags of the accepted requests, in order, and the lock bit: the secret-store hash input. */
  hashInput(): { tags: Uint8Array[]; locked: boolean } {
    return { tags: this.tagList.map((t) => t.slice()), locked: this.isLocked };
  }

  /** The secret-store hash (SHA-512 over the tags and the lock byte). */
  hash(): Uint8Array {
    return computeSecretStoreHash(this.tagList, this.isLocked);
  }

  /** The Add Secret UVC: checks in the order of spec add-secret §7 and returns its rc. */
  add(request: Uint8Array): AddSecretOutcome {
    const R = SECRET_UV_RC;
    if (this.isLocked) return { rc: R.LOCKED, why: 'the secret store is locked' };
    if (this.dumpInProgress) return { rc: R.DUMP_IN_PROGRESS, why: 'a dump is in progress' };
    if (!this.mayModify) return { rc: R.NOT_ALLOWED, why: 'this guest may not modify the secret store' };
    if (request.length < REQUEST_HEADER_SIZE) return { rc: R.INVALID_SIZE, why: 'shorter than the request header' };
    const rql = readU32(request, REQUEST_LENGTH_OFFSET);
    if (rql > request.length) return { rc: R.ACCESS_EXCEPTION, why: 'the request length lies beyond the buffer' };
    const bytes = request.subarray(0, rql);
    const nks = bytes[ARCB_NKS_OFFSET] ?? 0;
    const sea = readU32(bytes, ARCB_SEA_OFFSET);
    const slotsEnd = ASRCB_KEY_SLOTS_OFFSET + KEY_SLOT_SIZE * nks;
    const type = slotsEnd + 4 <= rql ? viewOf(bytes).getUint16(slotsEnd + 2, false) : 0;
    if (
      rql > ASRCB_MAX_SIZE ||
      sea < EXTENSION_SECRET_SIZE ||
      rql !== slotsEnd + secretHeaderSize(type) + sea + ASRCB_TAG_SIZE
    )
      return { rc: R.INVALID_SIZE, why: 'the sizes in the request are inconsistent' };
    if (
      !equalBytes(bytes.subarray(0, ASRCB_MAGIC.length), ASRCB_MAGIC) ||
      readU32(bytes, REQUEST_VERSION_OFFSET) !== ASRCB_VERSION_1
    )
      return { rc: R.UNSUPPORTED_VERSION, why: 'not an add-secret request version 1' };
    if (nks === 0) return { rc: R.INVALID_HOST_KEYS, why: 'no key slot' };
    if ((readU64(bytes, ASRCB_FLAGS_OFFSET) & ~ASRCB_FLAG_DISABLE_DUMP) !== 0n)
      return { rc: R.UNSUPPORTED_FLAGS, why: 'a flag other than disable-dump is set' };
    let opened;
    try {
      opened = decryptAddSecretRequest(bytes, { hostPrivateKeys: this.guest.hostPrivateKeys });
    } catch {
      return { rc: R.DECRYPT_FAILED, why: 'no key slot opens with this host, or the request does not authenticate' };
    }
    const { value, extensionSecret, layout } = opened;
    try {
      const header = layout.secretHeader!;
      const info = secretTypeInfo(header.type);
      if (!info) return { rc: R.UNSUPPORTED_SECRET, why: `unknown secret type 0x${header.type.toString(16)}` };
      if (header.length !== value.length || !isValidSecretLength(header.type, value.length))
        return { rc: R.INVALID_LENGTH, why: 'the secret length does not fit its type' };
      const t = layout.bootTags;
      const g = this.bootTags;
      if (
        !equalBytes(t.pld, g.pld) ||
        !equalBytes(t.ald, g.ald) ||
        !equalBytes(t.tld, g.tld) ||
        !equalBytes(t.tag, g.tag)
      )
        return { rc: R.UNABLE_TO_ADD, why: "SE-header tags (PLD/ALD/TLD/tag) differ from the guest's" };
      const cuid = bytes.subarray(ASRCB_CUID_OFFSET, ASRCB_CUID_OFFSET + ASRCB_CUID_SIZE);
      if (cuid.some((b) => b !== 0) && !equalBytes(cuid, this.guest.cuid))
        return { rc: R.UNABLE_TO_ADD, why: "request CUID differs from the guest's CUID" };
      if ((this.scf & SCF_CCK_EXTENSION_SECRET_ENFORCEMENT) !== 0n) {
        const expected = this.cck ? deriveExtensionSecret(this.cck, this.bootTags.tag) : undefined;
        if (!expected || !constantTimeEqual(expected, extensionSecret))
          return { rc: R.UNABLE_TO_ADD, why: 'the extension secret is not the one derived from the CCK' };
      } else if (this.firstExtension && !constantTimeEqual(this.firstExtension, extensionSecret)) {
        return { rc: R.UNABLE_TO_ADD, why: 'the extension secret differs from the first request' };
      }
      if (header.type === SECRET_TYPE_UPDATE_CCK && (this.scf & SCF_CCK_UPDATE_ALLOWED) === 0n)
        return { rc: R.UNABLE_TO_ADD, why: 'the SE header does not allow CCK updates' };
      if (info.listable && this.secrets.length >= this.capacity) return { rc: R.STORE_FULL, why: 'the store is full' };
      // accepted
      const tag = bytes.slice(rql - ASRCB_TAG_SIZE, rql);
      this.tagList.push(tag);
      this.firstExtension ??= extensionSecret.slice();
      if ((layout.flags & ASRCB_FLAG_DISABLE_DUMP) !== 0n) this.dumpDisabled = true;
      if (header.type === SECRET_TYPE_UPDATE_CCK) this.cck = value.slice();
      let index: number | undefined;
      if (info.listable) {
        index = this.secrets.length;
        const stored =
          info.retrievable && header.type !== SECRET_TYPE_PLAINTEXT ? this.protect(value, index) : value.slice();
        this.secrets.push({ index, type: header.type, length: stored.length, id: header.id!.slice(), value: stored });
      }
      return { rc: R.SUCCESS, tag: tag.slice(), secretType: header.type, ...(index !== undefined ? { index } : {}) };
    } finally {
      wipe(value);
      wipe(extensionSecret);
    }
  }

  /** The Lock Secret Store UVC. */
  lock(): { rc: number } {
    if (!this.mayModify) return { rc: SECRET_UV_RC.NOT_ALLOWED };
    if (this.isLocked) return { rc: SECRET_UV_RC.LOCKED };
    this.isLocked = true;
    return { rc: SECRET_UV_RC.SUCCESS };
  }

  /** The List Secrets UVC: the entries in add order (the first page's worth, as one buffer holds). */
  list(): SecretList {
    return {
      total: this.secrets.length,
      nextIndex: 0,
      entries: this.secrets.map(({ index, type, length, id }) => ({ index, type, length, id: id.slice() })),
    };
  }

  /** The Retrieve Secret UVC: a plaintext as stored, a key as its stand-in protected-key blob. */
  retrieve(index: number): { rc: number; type?: number; secret?: Uint8Array } {
    if (this.secrets.length === 0) return { rc: SECRET_UV_RC.STORE_EMPTY };
    const s = this.secrets.find((e) => e.index === index);
    if (!s) return { rc: SECRET_UV_RC.NO_SUCH_INDEX };
    if (s.type === SECRET_TYPE_ASSOCIATION || !secretTypeInfo(s.type)?.retrievable)
      return { rc: SECRET_UV_RC.NOT_RETRIEVABLE };
    return { rc: SECRET_UV_RC.SUCCESS, type: s.type, secret: s.value.slice() };
  }

  /** A stand-in protected key: value XOR SHA-512 keystream(wrapping key, index) ‖ SHA-256(wrapping key). */
  private protect(value: Uint8Array, index: number): Uint8Array {
    const masked = new Uint8Array(value.length);
    for (let block = 0; block * 64 < value.length; block++) {
      const ks = sha512(this.wrappingKey, Uint8Array.of(index >>> 8, index & 0xff, block));
      for (let i = 0; i < 64 && block * 64 + i < value.length; i++)
        masked[block * 64 + i] = value[block * 64 + i]! ^ ks[i]!;
    }
    return concatBytes(masked, sha256(this.wrappingKey));
  }
}
