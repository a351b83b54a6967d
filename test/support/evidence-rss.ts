/** Runs `evidence verify` of one bundle in a child process and returns its result and peak RSS (issue 12). */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** What the child reports. */
export interface ChildVerification {
  readonly ok: boolean;
  readonly attestations: number;
  readonly failures: { check: string; file?: string; code?: string }[];
  readonly maxRssMiB: number;
  readonly seconds: number;
}

/** The bound of issue 12: peak RSS of `evidence verify` for any bundle. */
export const VERIFY_RSS_BOUND_MIB = 512;

const CHILD = new URL('./evidence-verify-child.ts', import.meta.url).pathname;

/** Verifies `bundle` in a fresh `node --import tsx` child. */
export async function verifyInChild(bundle: string): Promise<ChildVerification> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', CHILD, bundle], {
    maxBuffer: 1 << 24,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as ChildVerification;
}
