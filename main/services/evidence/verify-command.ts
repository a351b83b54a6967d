/** The exact `se-attest evidence verify` command an auditor runs for a bundle (issue 11), POSIX-shell quoted. */

/** Quotes `s` for a POSIX shell (single quotes; bare when it holds only safe characters). */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/** `se-attest evidence verify BUNDLE --trusted-key KEY` (BUNDLE defaults to a `<bundle>` placeholder). */
export function evidenceVerifyCommand(publicKeyPath: string, bundlePath?: string): string {
  return `se-attest evidence verify ${bundlePath ? shellQuote(bundlePath) : '<bundle>'} --trusted-key ${shellQuote(publicKeyPath)}`;
}
