/**
 * One valid request per contract channel (the mapped type makes adding a channel without a sample a type
 * error), used by the contract tests of the IPC handlers, the preload and the web bridge.
 */
import type { Channel, RequestOf } from '../../shared/contract.js';

/** A valid request for every channel. */
export const SAMPLE_REQUESTS: { [C in Channel]: RequestOf<C> } = {
  'app:info': {},
  'guests:list': { search: 'a', status: 'verified' },
  'guests:get': { id: 'g1' },
  'guests:add': { name: 'sample', sshTarget: 'root@10.0.0.1:22', policy: {} },
  'guests:edit': { id: 'g1', patch: { notes: 'x' } },
  'guests:remove': { id: 'g-missing' },
  'trust:import': { runId: 'run-sample-0001', files: [{ name: 'x.crt', contentBase64: 'AAAA' }] },
  'trust:list': {},
  'trust:remove': { id: 't-missing' },
  'attest:run': { runId: 'run-sample-0002', guestId: 'g-missing' },
  'fleet:attest': { runId: 'run-sample-0003', guestIds: ['g-missing'] },
  'release:list': { guestId: 'g-missing' },
  'release:configure': {
    guestId: 'g-missing',
    release: { name: 'disk', kind: 'uv', uvKind: 'plain', source: { kind: 'file', path: '/tmp/value' }, lock: true },
  },
  'release:run': { runId: 'run-sample-0006', guestId: 'g-missing', release: 'disk' },
  'task:cancel': { runId: 'run-sample-0004' },
  'history:list': { offset: 0, limit: 10 },
  'attestation:get': { id: 'att-missing' },
  'evidence:export': {
    runId: 'run-sample-0005',
    from: '2026-01-01T00:00:00.000Z',
    to: '2026-12-31T00:00:00.000Z',
    guestIds: [],
    destination: '/tmp/x',
  },
  'hostkey:decide': { promptId: 'p-missing', trust: false },
  'guests:timeline': { guestId: 'g-missing', from: '2026-01-01T00:00:00.000Z', maxPoints: 100 },
  'trust:dependents': { id: 't-missing' },
  'trust:restore': { id: 't-missing' },
  'evidence:reveal': { path: '/tmp/x/evidence.zip' },
  'evidence:defaults': { bundlePath: '/tmp/evidence 2027.zip' },
  'attestation:export': { id: 'att-missing', format: 'pdf' },
};
