/**
 * Hash routing: every screen and report has a link (`#/guests/12`, `#/attestations/340`, `#/trust`, ...), a
 * reload keeps the place, and Back and Forward walk the screens. Hashes work the same over the web bridge and
 * from Electron's file:// page, and never reach the server.
 */

/** The screen shown. */
export type View =
  | { name: 'guests' }
  | { name: 'guest'; guestId: string }
  | { name: 'attestation'; attestationId: string }
  | { name: 'attest' }
  | { name: 'trust' }
  | { name: 'evidence' };

const ID = /^[A-Za-z0-9_-]{1,200}$/;

/** The link of a view. */
export function hrefOf(view: View): string {
  switch (view.name) {
    case 'guest':
      return `#/guests/${encodeURIComponent(view.guestId)}`;
    case 'attestation':
      return `#/attestations/${encodeURIComponent(view.attestationId)}`;
    default:
      return `#/${view.name}`;
  }
}

/** The view of a location hash (anything unknown shows the guests). */
export function viewOf(hash: string): View {
  const parts = hash.replace(/^#\/?/, '').split('?')[0]!.split('/').filter(Boolean);
  let id: string | undefined;
  try {
    id = parts[1] !== undefined ? decodeURIComponent(parts[1]) : undefined;
  } catch {
    id = undefined;
  }
  if (parts[0] === 'guests' && id !== undefined && ID.test(id)) return { name: 'guest', guestId: id };
  if (parts[0] === 'attestations' && id !== undefined && ID.test(id)) return { name: 'attestation', attestationId: id };
  if (parts.length === 1 && (parts[0] === 'attest' || parts[0] === 'trust' || parts[0] === 'evidence'))
    return { name: parts[0] };
  return { name: 'guests' };
}

/** The sidebar section a view belongs to. */
export function sectionOf(view: View): 'guests' | 'attest' | 'trust' | 'evidence' {
  if (view.name === 'guest' || view.name === 'attestation') return 'guests';
  return view.name;
}

/** The document title of a view. */
export function titleOf(view: View, name?: string): string {
  const base = 'SE Attestation Workstation';
  const screen = {
    guests: 'Guests',
    guest: name ? `Guest ${name}` : 'Guest',
    attestation: name ? `Attestation of ${name}` : 'Attestation report',
    attest: 'Attest',
    trust: 'Trust',
    evidence: 'Evidence',
  }[view.name];
  return `${screen} \u2014 ${base}`;
}
