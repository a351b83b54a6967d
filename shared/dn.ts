/**
 * Distinguished names for people: the attributes of a DN and its short name (CN with OU; IBM's certificates
 * name the company in the CN, the same as O, and the host or service in the OU, so there the OU alone names it).
 * Used by the UI and by the main process's messages alike.
 */

/** The attributes of a distinguished name (`CN=…, OU=…, O=…`), escaped commas kept. */
export function parseDn(dn: string): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  for (const part of dn.split(/,(?=\s*[A-Za-z][A-Za-z0-9.]*=)/)) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    out.push({
      key: part.slice(0, eq).trim().toUpperCase(),
      value: part
        .slice(eq + 1)
        .trim()
        .replace(/\\,/g, ','),
    });
  }
  return out;
}

/** The short name of a DN (`hostA · Payments`, `DEMO IBM Z Host Key 3931 …`), else the whole DN. */
export function shortDn(dn: string): string {
  const attrs = parseDn(dn);
  const cn = attrs.find((a) => a.key === 'CN')?.value;
  const ou = attrs.find((a) => a.key === 'OU')?.value;
  const o = attrs.find((a) => a.key === 'O')?.value;
  if (!cn && !ou) return dn;
  if (ou && cn && cn === o) return ou;
  return [cn, ou].filter(Boolean).join(' \u00b7 ');
}
