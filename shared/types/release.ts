/**
 * Secret release after attestation (issue 14): what a stored guest may be given once it verified, and the record
 * of each release. Values never appear here: a release names where its value comes from (a file, standard input
 * or the OS keychain), and a run records what was sent by its SHA-256 only.
 */

/** `uv`: an IBM Ultravisor secret (`pvsecret add`); `channel`: a value written to a guest command over the SSH channel the attestation is bound to. */
export const RELEASE_KINDS = ['uv', 'channel'] as const;
export type ReleaseKind = (typeof RELEASE_KINDS)[number];

/** The pvsecret kinds a `uv` release can create (association, or `retrievable --type …`). */
export const UV_SECRET_KINDS = ['association', 'plain', 'aes', 'aes-xts', 'hmac-sha', 'ec'] as const;
export type UvSecretKind = (typeof UV_SECRET_KINDS)[number];

/** Where a release's value is read at release time (never stored). */
export type ValueSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'stdin' }
  | { readonly kind: 'keychain'; readonly service: string; readonly account: string };

/** What a caller supplies to configure a release. */
export interface SecretReleaseInput {
  /** Unique per guest; also the pvsecret secret name (its ID is SHA-256 of it) unless `secretName` is given. */
  name: string;
  kind: ReleaseKind;
  source: ValueSource;
  /** `uv`: the kind of Ultravisor secret. */
  uvKind?: UvSecretKind;
  /** `uv`: the name the secret ID is made from (default `name`). */
  secretName?: string;
  /** `uv`: the ID is the name itself (31 bytes), as pvsecret's `--use-name`. */
  useName?: boolean;
  /** `uv`: set the disable-dump flag. */
  disableDump?: boolean;
  /** `uv`: lock the secret store after adding. */
  lock?: boolean;
  /**
   * `uv`: where the image's customer communication key (CCK) is read from at release time; the request then carries
   * the extension secret derived from it (pvsecret's `--cck`), which images with SCF bit 1 require.
   */
  cckSource?: ValueSource;
  /** `uv`: the pvsecret command on the guest (default `pvsecret`; e.g. `sudo -n pvsecret`). */
  pvsecretCommand?: string;
  /** `channel`: the guest command that reads the value on standard input, e.g. `cryptsetup open --key-file=- /dev/vdb data`. */
  command?: string;
  /** `channel`: the guest's SSH public host-key file (default `/etc/ssh/ssh_host_<type>_key.pub` for the key it presents). */
  hostKeyFile?: string;
}

/** A configured release of a stored guest. */
export interface SecretRelease extends SecretReleaseInput {
  id: number;
  guestId: number;
  createdAt: string;
  updatedAt: string;
}

/** The steps of one release, in order (`uv` and `channel` each use their own subset). */
export const RELEASE_STEPS = [
  'attest',
  'store-check',
  'list',
  'read-value',
  'create',
  'add',
  'lock',
  're-attest',
  'check',
  'channel-check',
  'send',
] as const;
export type ReleaseStep = (typeof RELEASE_STEPS)[number];

/** Life cycle of one release run. */
export const RELEASE_RUN_STATUSES = ['pending', 'released', 'failed', 'interrupted'] as const;
export type ReleaseRunStatus = (typeof RELEASE_RUN_STATUSES)[number];

/** An add-secret request already in a guest's store: its SHA-256 and its tag (what the store hash measures). */
export interface PriorRequest {
  sha256: string;
  tag: string;
}

/** One release run (no value): what was sent, to which instance, gated by which attestations. */
export interface ReleaseRunRecord {
  id: number;
  guestId: number;
  guestName: string;
  releaseId: number | null;
  releaseName: string;
  kind: ReleaseKind;
  status: ReleaseRunStatus;
  /** The step that failed (null when released or still pending). */
  failedStep: ReleaseStep | null;
  errorCode: string | null;
  errorMessage: string | null;
  startedAt: string;
  finishedAt: string | null;
  /** CUID of the instance the secret was bound to (hex). */
  cuid: string | null;
  /** `uv`: the secret's type id, name and ID (hex). */
  secretType: number | null;
  secretName: string | null;
  secretId: string | null;
  /** `uv`: SHA-256 (hex) and size of the add-secret request. */
  requestSha256: string | null;
  requestSize: number | null;
  /** `uv`: the request went into the guest's store (pvsecret add succeeded). */
  added: boolean;
  /** `uv`: the store was locked by this run. */
  locked: boolean;
  /** `uv`: the requests already in the store before this one, in add order (SHA-256 and tag, hex). */
  priorRequests: PriorRequest[];
  /** `channel`: SHA-256 (hex) of the SSH host key the guest presented (= the attested user data). */
  bindingSha256: string | null;
  /** The attestation that gated the release, and (uv) the one that checked the store afterwards. */
  gateAttestationId: number | null;
  checkAttestationId: number | null;
  contentHash: string;
}

/** A guest's releases and its latest runs (what `release:list` returns). */
export interface GuestReleases {
  releases: SecretRelease[];
  runs: ReleaseRunRecord[];
}

/** Progress of a release run (`release:progress`; secret-free). */
export interface ReleaseProgressEvent {
  runId: string;
  guestId: string;
  release: string;
  step: ReleaseStep;
  status: 'start' | 'done' | 'failed';
  code?: string;
  at: string;
}
