/**
 * Guest addresses: `user@host[:port]`, with `[v6addr]:port` for IPv6 literals, as `ssh` accepts them.
 */
import { AttestError } from '../../shared/errors/index.js';

/** Where to reach a guest (or a jump host) over SSH. */
export interface GuestAddress {
  readonly user: string;
  readonly host: string;
  readonly port: number;
}

export const DEFAULT_SSH_PORT = 22;
const USER = /^[A-Za-z0-9._][A-Za-z0-9._-]*$/;
const HOST = /^[A-Za-z0-9._-]+$/;

/** Parses `user@host[:port]` (or `user@[v6]:port`); throws ERR_TRANSPORT_ADDRESS_INVALID. */
export function parseGuestAddress(text: string): GuestAddress {
  const fail = (why: string): never => {
    throw new AttestError(
      'ERR_TRANSPORT_ADDRESS_INVALID',
      `invalid guest address "${text}": ${why} (expected USER@HOST[:PORT])`,
    );
  };
  const at = text.lastIndexOf('@');
  if (at <= 0) fail('missing user');
  const user = text.slice(0, at);
  const rest = text.slice(at + 1);
  if (!USER.test(user)) fail('bad user name');
  let host: string;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) fail('unclosed [');
    host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) fail('junk after ]');
    portText = after === '' ? undefined : after.slice(1);
    if (!/^[0-9A-Fa-f:.]+$/.test(host)) fail('bad IPv6 literal');
  } else {
    const colon = rest.indexOf(':');
    host = colon < 0 ? rest : rest.slice(0, colon);
    portText = colon < 0 ? undefined : rest.slice(colon + 1);
    if (!HOST.test(host)) fail('bad host name');
  }
  let port = DEFAULT_SSH_PORT;
  if (portText !== undefined) {
    if (!/^[0-9]{1,5}$/.test(portText)) fail('bad port');
    port = Number(portText);
    if (port < 1 || port > 65535) fail('port out of range');
  }
  return { user, host, port };
}

/** Formats an address back as `user@host[:port]` (port omitted when 22). */
export function formatGuestAddress(address: GuestAddress): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return `${address.user}@${host}${address.port === DEFAULT_SSH_PORT ? '' : `:${address.port}`}`;
}
