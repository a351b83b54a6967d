import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAttestError } from '../../shared/errors/index.js';
import { formatGuestAddress, parseGuestAddress } from '../../main/transport/guest-address.js';

test('parses user@host[:port] and [v6]:port', () => {
  assert.deepEqual(parseGuestAddress('root@guest1'), { user: 'root', host: 'guest1', port: 22 });
  assert.deepEqual(parseGuestAddress('att.user@10.1.2.3:2222'), { user: 'att.user', host: '10.1.2.3', port: 2222 });
  assert.deepEqual(parseGuestAddress('u@[fd00::1]:2200'), { user: 'u', host: 'fd00::1', port: 2200 });
  assert.equal(formatGuestAddress(parseGuestAddress('u@[fd00::1]:2200')), 'u@[fd00::1]:2200');
  assert.equal(formatGuestAddress(parseGuestAddress('u@h:22')), 'u@h');
});

test('rejects malformed addresses with a code', () => {
  for (const bad of [
    'guest',
    '@guest',
    'u@',
    'u@h:0',
    'u@h:65536',
    'u@h:x',
    'u@h;rm -rf /',
    'u@[fd00::1',
    '-oProxyCommand=x@h',
  ]) {
    assert.throws(
      () => parseGuestAddress(bad),
      (e: unknown) => isAttestError(e, 'ERR_TRANSPORT_ADDRESS_INVALID'),
      bad,
    );
  }
});
