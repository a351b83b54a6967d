/**
 * `se-attest create` (pvattest create): an attestation request for the given host-key documents, verified unless
 * `--no-verify`. The request goes to `-o`, the ARPK to `-a` as a secret file (new 0600 file renamed into
 * place, never through a symlink). On success pvattest's "Successfully generated the request" (stderr).
 */
import { createAttestationRequest } from '../../engine/attest/create.js';
import { wipe } from '../../engine/bytes.js';
import { systemContext } from '../../engine/crypto/context.js';
import { parseAddDataList, type AddDataKind } from '../../engine/formats/additional-data.js';
import { checkSecretFileTarget } from '../../fs/index.js';
import { writeFileChecked } from '../files.js';
import type { CertificateFlags } from '../options.js';
import type { CliIo } from '../io.js';
import { NO_VERIFY_WARNING, hostKeyOptionsFrom, resolveHostKeys } from './host-keys.js';

/** pvattest's success line. */
const CREATE_SUCCESS = 'Successfully generated the request\n';

/** `create`'s options as parsed. */
export interface CreateOptions extends CertificateFlags {
  hostKeyDocument: string[];
  at?: string;
  arpk: string;
  output: string;
  addData?: string[];
  quiet?: boolean;
  xNoNonce?: boolean;
  /** C pvattest's experimental spellings of `--add-data phkh-img` / `phkh-att`. */
  xPhkhImg?: boolean;
  xPhkhAtt?: boolean;
}

/** Runs `create`. */
export async function runCreate(io: CliIo, opts: CreateOptions): Promise<void> {
  // A symlink, folder or device as -a is refused before anything is created (nothing is written through it).
  checkSecretFileTarget(opts.arpk, { cwd: io.cwd });
  const addData: AddDataKind[] = [
    ...new Set([
      ...(opts.addData ?? []).flatMap((l) => parseAddDataList(l)),
      ...(opts.xPhkhImg ? (['phkh-img'] as const) : []),
      ...(opts.xPhkhAtt ? (['phkh-att'] as const) : []),
    ]),
  ];
  const hostKeyOptions = hostKeyOptionsFrom(opts);
  // like pvattest: the warning comes before any HKD is read (a usage error is reported instead)
  if (hostKeyOptions.noVerify && !hostKeyOptions.cert?.length && !opts.quiet) io.err(NO_VERIFY_WARNING);
  const hostKeys = await resolveHostKeys(io, hostKeyOptions, opts.quiet === true);
  const request = createAttestationRequest({
    hostKeys: hostKeys.map((k) => k.publicCoords),
    addData,
    nonce: opts.xNoNonce !== true,
    ctx: systemContext(),
  });
  try {
    writeFileChecked(io.cwd, opts.output, request.exchange);
    writeFileChecked(io.cwd, opts.arpk, request.arpk, true);
  } finally {
    wipe(request.arpk);
  }
  if (!opts.quiet) io.err(CREATE_SUCCESS);
}
