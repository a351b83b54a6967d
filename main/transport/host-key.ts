/**
 * SSH host-key trust: OpenSSH `SHA256:` fingerprints, OpenSSH `known_hosts` files (plain, `[host]:port`,
 * wildcard and hashed `|1|salt|hash` entries, `@revoked`), and the trust decision for a presented key.
 * A changed key is always refused; an unknown key needs an explicit decision (pin, trust-on-first-use or a callback).
 */
import { createHash, createHmac } from 'node:crypto';
import { AttestError } from '../../shared/errors/index.js';
import { SHA256_FINGERPRINT_PATTERN, formatSha256Fingerprint } from '../../shared/fingerprint.js';
import { DEFAULT_SSH_PORT } from './guest-address.js';

/** A host key the server presented, in the form people compare. */
export interface HostKeyInfo {
  readonly host: string;
  readonly port: number;
  /** SSH key type from the key blob, e.g. `ssh-ed25519`. */
  readonly keyType: string;
  /** OpenSSH fingerprint `SHA256:<base64 without padding>`. */
  readonly fingerprint: string;
}

/** One usable line of a known_hosts file. */
export interface KnownHostEntry {
  readonly marker: 'revoked' | 'cert-authority' | undefined;
  /** The host-pattern field as written (comma list, wildcards, `!` negation, or one hashed `|1|salt|hash`). */
  readonly hosts: string;
  readonly keyType: string;
  readonly keyBlob: Uint8Array;
  readonly fingerprint: string;
  /** 1-based line number in the file. */
  readonly line: number;
}

/** How to decide whether to trust a presented host key. */
export interface HostKeyPolicy {
  /** Fingerprints pinned for this guest (`SHA256:…`); any one matching is accepted. */
  readonly pinnedFingerprints?: readonly string[];
  /** Entries imported from an OpenSSH known_hosts file. */
  readonly knownHosts?: readonly KnownHostEntry[];
  /** Accept a key on first contact (no pin and no known_hosts entry for the host). */
  readonly trustOnFirstUse?: boolean;
  /** Asked on first contact when trust-on-first-use is off; resolve true to trust the key. */
  readonly decide?: (info: HostKeyInfo) => boolean | Promise<boolean>;
  /** Told about every accepted key (e.g. to store a new pin); `firstContact` is true when it was not pinned. */
  readonly onAccepted?: (info: HostKeyInfo, firstContact: boolean) => void;
}

/** The OpenSSH SHA-256 fingerprint of an SSH public-key blob: `SHA256:` + unpadded base64. */
export function computeHostKeyFingerprint(keyBlob: Uint8Array): string {
  return formatSha256Fingerprint(createHash('sha256').update(keyBlob).digest());
}

/** Checks the `SHA256:…` fingerprint syntax (also accepts the padded form) and returns it normalised; throws ERR_TRANSPORT_FINGERPRINT_INVALID. */
export function parseHostKeyFingerprint(text: string): string {
  const trimmed = text.trim().replace(/=+$/, '');
  if (!SHA256_FINGERPRINT_PATTERN.test(trimmed)) {
    throw new AttestError(
      'ERR_TRANSPORT_FINGERPRINT_INVALID',
      `invalid host-key fingerprint "${text}": expected SHA256: followed by 43 base64 characters, as ssh-keygen -lf prints it`,
    );
  }
  return trimmed;
}

/** The SSH key type named at the start of a public-key blob (`string` field), or `unknown`. */
export function readKeyType(keyBlob: Uint8Array): string {
  if (keyBlob.length < 4) return 'unknown';
  const len = new DataView(keyBlob.buffer, keyBlob.byteOffset, keyBlob.byteLength).getUint32(0);
  if (len === 0 || len > 64 || 4 + len > keyBlob.length) return 'unknown';
  return Buffer.from(keyBlob.subarray(4, 4 + len)).toString('latin1');
}

/** Parses an OpenSSH known_hosts text; comments, blank and malformed lines are skipped as OpenSSH does. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const fields = raw.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift()!;
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else continue;
    }
    const [hosts, keyType, keyBase64] = fields;
    if (hosts === undefined || keyType === undefined || keyBase64 === undefined) continue;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(keyBase64)) continue;
    const keyBlob = new Uint8Array(Buffer.from(keyBase64, 'base64'));
    if (readKeyType(keyBlob) !== keyType) continue;
    entries.push({ marker, hosts, keyType, keyBlob, fingerprint: computeHostKeyFingerprint(keyBlob), line: i + 1 });
  }
  return entries;
}

/** The name OpenSSH looks up for a host: `host`, or `[host]:port` when the port is not 22. */
export function formatKnownHostName(host: string, port: number): string {
  return port === DEFAULT_SSH_PORT ? host : `[${host}]:${port}`;
}

function matchWildcard(pattern: string, name: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return re.test(name);
}

/** True when a known_hosts host field matches `host` at `port` (hashed, plain, wildcard, negated patterns). */
export function matchesKnownHost(hosts: string, host: string, port: number): boolean {
  const name = formatKnownHostName(host.toLowerCase(), port);
  if (hosts.startsWith('|1|')) {
    const [, , salt, hash] = hosts.split('|');
    if (salt === undefined || hash === undefined) return false;
    const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
    return digest.equals(Buffer.from(hash, 'base64'));
  }
  let matched = false;
  for (const pattern of hosts.split(',')) {
    if (pattern.startsWith('!')) {
      if (matchWildcard(pattern.slice(1), name)) return false;
    } else if (matchWildcard(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

/** The key types known for a host, in file order (used to prefer those host-key algorithms, as OpenSSH does). */
export function listKnownKeyTypes(policy: HostKeyPolicy, host: string, port: number): string[] {
  const types: string[] = [];
  for (const e of policy.knownHosts ?? []) {
    if (e.marker === undefined && matchesKnownHost(e.hosts, host, port) && !types.includes(e.keyType))
      types.push(e.keyType);
  }
  return types;
}

/**
 * Decides whether to trust `keyBlob` presented by `host:port`. Resolves with the key's description when trusted;
 * throws ERR_TRANSPORT_HOST_KEY_REVOKED, ERR_TRANSPORT_HOST_KEY_CHANGED (both fingerprints in the message) or
 * ERR_TRANSPORT_HOST_KEY_UNKNOWN (first contact without a decision).
 */
export async function checkHostKey(
  policy: HostKeyPolicy,
  host: string,
  port: number,
  keyBlob: Uint8Array,
): Promise<HostKeyInfo> {
  const info: HostKeyInfo = {
    host,
    port,
    keyType: readKeyType(keyBlob),
    fingerprint: computeHostKeyFingerprint(keyBlob),
  };
  const name = formatKnownHostName(host, port);
  const details = { host, port, keyType: info.keyType, presented: info.fingerprint };
  for (const e of policy.knownHosts ?? []) {
    if (e.marker === 'revoked' && e.fingerprint === info.fingerprint) {
      throw new AttestError(
        'ERR_TRANSPORT_HOST_KEY_REVOKED',
        `host key ${info.fingerprint} of ${name} is marked @revoked in known_hosts (line ${e.line})`,
        details,
      );
    }
  }
  const expected = new Set<string>();
  for (const fp of policy.pinnedFingerprints ?? []) expected.add(parseHostKeyFingerprint(fp));
  for (const e of policy.knownHosts ?? []) {
    if (e.marker === undefined && matchesKnownHost(e.hosts, host, port)) expected.add(e.fingerprint);
  }
  if (expected.size > 0) {
    if (expected.has(info.fingerprint)) {
      policy.onAccepted?.(info, false);
      return info;
    }
    const list = [...expected];
    throw new AttestError(
      'ERR_TRANSPORT_HOST_KEY_CHANGED',
      `REMOTE HOST KEY CHANGED for ${name}: expected ${list.join(' or ')}, but the server presented ${info.fingerprint} (${info.keyType}). ` +
        'Connection refused: someone may be intercepting it, or the guest was reinstalled; check the new fingerprint out of band before pinning it.',
      { ...details, expected: list },
    );
  }
  let trusted = policy.trustOnFirstUse === true;
  if (!trusted && policy.decide !== undefined) trusted = (await policy.decide(info)) === true;
  if (!trusted) {
    throw new AttestError(
      'ERR_TRANSPORT_HOST_KEY_UNKNOWN',
      `host key of ${name} is not known: the server presented ${info.fingerprint} (${info.keyType}). ` +
        'Confirm it out of band, then pass --host-key-fingerprint with it (or --trust-on-first-use).',
      details,
    );
  }
  policy.onAccepted?.(info, true);
  return info;
}
