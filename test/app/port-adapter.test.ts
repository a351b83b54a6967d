/**
 * The real WorkstationPort (main/app/port-adapter.ts) over a temp database, a DEMO PKI and two simulated
 * secure guests: trust import with chain status and CRL freshness, guests, attestation with the host-key
 * prompt and live steps (verified; tampered → verify step failed with its reason), refusal of a host key,
 * history paging, reports with HKD steps, statuses in the guests list, evidence export, coded errors.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { unzipSync } from 'fflate';
import { after, before, describe, test } from 'node:test';
import { isAttestError } from '../../shared/errors/index.js';
import type { AttestStepId, StepState } from '../../shared/types/ui.js';
import type { AttestControl, HostKeyOffer, StepUpdate, TaskControl } from '../../main/ipc/port.js';
import { createRealScenario, type RealScenario } from '../e2e/real-scenario.js';

function taskControl(signal = new AbortController().signal): TaskControl & { progress: [number, number][] } {
  const progress: [number, number][] = [];
  return { runId: 'r', signal, reportProgress: (d, t) => void progress.push([d, t]), progress };
}

function attestControl(
  trust: boolean,
  controller = new AbortController(),
): AttestControl & { steps: StepUpdate[]; offers: HostKeyOffer[] } {
  const steps: StepUpdate[] = [];
  const offers: HostKeyOffer[] = [];
  return {
    runId: 'run',
    signal: controller.signal,
    reportProgress: () => undefined,
    reportStep: (u) => void steps.push(u),
    confirmHostKey: async (offer) => {
      offers.push(offer);
      return trust;
    },
    steps,
    offers,
  };
}

/** The last state of each step. */
function finalStates(steps: readonly StepUpdate[]): Partial<Record<AttestStepId, StepState>> {
  const out: Partial<Record<AttestStepId, StepState>> = {};
  for (const s of steps) out[s.step] = s.state;
  return out;
}

describe('real port adapter', () => {
  let sc: RealScenario;
  let goodId: string;
  let badId: string;
  before(async () => {
    sc = await createRealScenario();
  });
  after(async () => {
    await sc?.close();
  });

  test('starts empty', async () => {
    assert.deepEqual(await sc.port.listGuests({}), []);
    assert.deepEqual(await sc.port.listTrust(), []);
    assert.deepEqual(await sc.port.listHistory({ offset: 0, limit: 10 }), { offset: 0, total: 0, items: [] });
  });

  test('imports trust files: HKD chain valid, CRL due in 12 days warns; garbage rejected with its code', async () => {
    const files = [
      ...sc.trustFiles.map((p) => ({ name: basename(p), bytes: new Uint8Array(readFileSync(p)) })),
      { name: 'notes.txt', bytes: new TextEncoder().encode('hello') },
    ];
    const control = taskControl();
    const result = await sc.port.importTrust(files, control);
    assert.equal(result.imported.length, 7);
    assert.deepEqual(
      result.rejected.map((r) => [r.name, r.code]),
      [['notes.txt', 'ERR_STORE_TRUST_UNRECOGNIZED']],
    );
    assert.deepEqual(control.progress.at(-1), [8, 8]);
    const items = await sc.port.listTrust();
    const hkd = items.find((i) => i.kind === 'hkd')!;
    assert.equal(hkd.chainStatus, 'valid', hkd.chainDetail);
    assert.equal(hkd.health, 'ok');
    assert.match(hkd.phkhHex ?? '', /^[0-9a-f]{64}$/);
    assert.equal(items.find((i) => i.kind === 'signing-key')?.chainStatus, 'valid');
    const crl = items.find((i) => i.fileName === 'demo-ibm-z-signing-key.crl')!;
    assert.equal(crl.kind, 'crl');
    assert.ok(crl.daysLeft === 12 || crl.daysLeft === 11, `daysLeft ${crl.daysLeft}`);
    assert.equal(crl.health, 'warning');
    assert.match(crl.warnings.join(' '), /nextUpdate in 1[12] days/);
    // Same file again: the same item, counted as already present, nothing new.
    const again = await sc.port.importTrust([files[0]!], taskControl());
    assert.deepEqual(again.imported, []);
    assert.equal(again.alreadyPresent[0]?.id, hkd.id);
    assert.equal((await sc.port.listTrust()).length, 7);
  });

  test('adds guests with their SE header; duplicates and bad headers are refused with codes', async () => {
    const header = readFileSync(sc.goodGuest.seHeaderPath!).toString('base64');
    const g = await sc.port.addGuest({
      name: sc.goodGuest.name,
      sshTarget: sc.goodGuest.sshTarget,
      identityRef: sc.goodGuest.identityRef!,
      seHeaderBase64: header,
      policy: {},
    });
    assert.equal(g.status, 'never');
    assert.equal(g.hkdHealth, 'ok');
    assert.equal(g.crlHealth, 'warning');
    goodId = g.id;
    const b = await sc.port.addGuest({
      name: sc.tamperedGuest.name,
      sshTarget: sc.tamperedGuest.sshTarget,
      identityRef: sc.tamperedGuest.identityRef!,
      seHeaderBase64: readFileSync(sc.tamperedGuest.seHeaderPath!).toString('base64'),
      policy: {},
    });
    badId = b.id;
    await assert.rejects(sc.port.addGuest({ name: sc.goodGuest.name, sshTarget: 'x', policy: {} }), (e) =>
      isAttestError(e, 'ERR_APP_CONFLICT'),
    );
    await assert.rejects(
      sc.port.addGuest({ name: 'bad-header', sshTarget: 'x', seHeaderBase64: 'AAAA', policy: {} }),
      (e) => isAttestError(e) && e.code.startsWith('ERR_SEHDR_'),
    );
    const detail = await sc.port.getGuest(goodId);
    assert.equal(detail.seHeader?.keySlotPhkhs.length, 1);
    assert.equal(
      detail.seHeader?.keySlotPhkhs[0],
      detail.hostKeyDocuments[0]?.phkhHex,
      'the header is built for the imported HKD',
    );
    assert.equal(detail.pinnedHostKey, undefined);
    await assert.rejects(sc.port.getGuest('999'), (e) => isAttestError(e, 'ERR_APP_NOT_FOUND'));
    await assert.rejects(sc.port.getGuest('abc'), (e) => isAttestError(e, 'ERR_APP_NOT_FOUND'));
  });

  test('refusing the host key at first contact: nothing pinned, coded refusal, attempt recorded', async () => {
    const control = attestControl(false);
    await assert.rejects(sc.port.runAttestation(goodId, control), (e) => isAttestError(e, 'ERR_APP_HOSTKEY_REJECTED'));
    assert.equal(control.offers.length, 1);
    assert.equal(finalStates(control.steps).connect, 'failed');
    assert.equal((await sc.port.getGuest(goodId)).pinnedHostKey, undefined);
    // issue 11: a refused host key is a cancelled run, not an error: the guest is not failing for it
    const refused = (await sc.port.listHistory({ guestId: goodId, offset: 0, limit: 10 })).items[0];
    assert.equal(refused?.outcome, 'cancelled');
    assert.equal(refused?.reasonCode, 'ERR_APP_HOSTKEY_REJECTED');
    assert.equal((await sc.port.getGuest(goodId)).status, 'never');
  });

  test('attests the genuine guest: prompt with its fingerprint, eight steps done, verified, key pinned', async () => {
    const control = attestControl(true);
    const summary = await sc.port.runAttestation(goodId, control);
    assert.equal(summary.outcome, 'verified', summary.reason);
    assert.deepEqual(
      control.offers.map((o) => [o.fingerprintSha256, o.target]),
      [[sc.genuine.fingerprint, sc.goodGuest.sshTarget]],
    );
    const states = finalStates(control.steps);
    assert.deepEqual(states, {
      'verify-hkds': 'done',
      create: 'done',
      connect: 'done',
      upload: 'done',
      perform: 'done',
      download: 'done',
      verify: 'done',
      record: 'done',
    });
    const detail = await sc.port.getGuest(goodId);
    assert.equal(detail.pinnedHostKey?.fingerprintSha256, sc.genuine.fingerprint);
    assert.equal(detail.pinnedHostKey?.algorithm, 'ssh-ed25519');
    assert.equal(detail.status, 'verified');
    const report = await sc.port.getAttestation(summary.id);
    assert.ok(report.hkdSteps.length > 0 && report.hkdSteps.every((s) => s.ok), 'HKD verification steps recorded');
    assert.match(report.cuidHex ?? '', /^[0-9a-f]{32}$/);
    assert.ok(report.steps.every((s) => s.state === 'done'));
    assert.equal(report.hostKeyFingerprint, sc.genuine.fingerprint);
    // Pinned now: a second run asks nothing.
    const second = attestControl(false);
    assert.equal((await sc.port.runAttestation(goodId, second)).outcome, 'verified');
    assert.equal(second.offers.length, 0);
  });

  test('attests the tampered guest: verify step failed with the mismatch reason', async () => {
    const control = attestControl(true);
    const summary = await sc.port.runAttestation(badId, control);
    assert.equal(summary.outcome, 'mismatch');
    assert.equal(summary.reasonCode, 'mismatch');
    assert.match(summary.reason ?? '', sc.expectedFailure);
    const failed = control.steps.filter((s) => s.state === 'failed');
    assert.deepEqual(
      failed.map((s) => s.step),
      ['verify'],
    );
    assert.match(failed[0]!.message ?? '', sc.expectedFailure);
    const report = await sc.port.getAttestation(summary.id);
    assert.equal(report.steps.find((s) => s.state === 'failed')?.step, 'verify');
  });

  test('guests list shows both states and filters', async () => {
    const list = await sc.port.listGuests({});
    assert.deepEqual(
      list.map((g) => [g.name, g.status, g.lastAttestation?.outcome]),
      [
        ['guest-genuine', 'verified', 'verified'],
        ['guest-tampered', 'failing', 'mismatch'],
      ],
    );
    assert.deepEqual(
      (await sc.port.listGuests({ status: 'failing' })).map((g) => g.name),
      ['guest-tampered'],
    );
    assert.deepEqual(
      (await sc.port.listGuests({ search: 'GENU' })).map((g) => g.name),
      ['guest-genuine'],
    );
  });

  test('fleet run: one result per guest in order, progress per guest', async () => {
    const done: [string, number, number][] = [];
    const control = {
      ...attestControl(true),
      reportGuestDone: (r: { guestId: string }, d: number, t: number) => void done.push([r.guestId, d, t]),
    };
    const results = await sc.port.attestFleet([goodId, badId, '4242'], control);
    assert.deepEqual(
      results.map((r) => [r.guestId, r.outcome]),
      [
        [goodId, 'verified'],
        [badId, 'mismatch'],
        ['4242', 'error'],
      ],
    );
    assert.equal(results[2]?.reasonCode, 'ERR_APP_NOT_FOUND');
    assert.equal(done.length, 3);
  });

  test('history pages newest first with totals', async () => {
    const page = await sc.port.listHistory({ guestId: goodId, offset: 0, limit: 2 });
    assert.equal(page.total, 4); // refused, verified, verified, fleet
    assert.deepEqual(
      page.items.map((i) => i.outcome),
      ['verified', 'verified'],
    );
    const rest = await sc.port.listHistory({ guestId: goodId, offset: 2, limit: 10 });
    assert.deepEqual(
      rest.items.map((i) => i.outcome),
      ['verified', 'cancelled'],
    );
    assert.ok(Number(page.items[0]!.id) > Number(page.items[1]!.id));
    assert.equal((await sc.port.listHistory({ offset: 0, limit: 100 })).total, 6);
    await assert.rejects(sc.port.getAttestation('123456'), (e) => isAttestError(e, 'ERR_APP_NOT_FOUND'));
  });

  test('issue 15: a guest timeline (outcome per attempt) and the history of a period', async () => {
    const t = await sc.port.guestTimeline({ guestId: goodId });
    assert.equal(t.total, 4);
    assert.deepEqual(
      t.points.slice(1).map((p) => p.outcome),
      ['verified', 'verified', 'verified'],
      'oldest first',
    );
    assert.notEqual(t.points[0]!.outcome, 'verified', 'the refused host key did not verify');
    assert.equal(t.buckets.length, 0);
    assert.equal(t.firstAt, t.points[0]!.at);
    assert.equal(t.lastAt, t.points[3]!.at);
    const bad = await sc.port.guestTimeline({ guestId: badId });
    assert.deepEqual(
      bad.points.map((p) => [p.outcome, p.reasonCode]),
      bad.points.map(() => ['mismatch', undefined]),
    );
    const future = new Date(Date.now() + 86_400_000).toISOString();
    assert.equal((await sc.port.guestTimeline({ guestId: goodId, from: future })).total, 0);
    assert.equal((await sc.port.listHistory({ guestId: goodId, from: future, offset: 0, limit: 10 })).total, 0);
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const page = await sc.port.listHistory({ guestId: goodId, from: since, to: future, offset: 0, limit: 10 });
    assert.equal(page.total, 4);
    assert.equal((await sc.port.listHistory({ from: since, offset: 0, limit: 1 })).total, 6);
    await assert.rejects(sc.port.guestTimeline({ guestId: '999' }), (e) => isAttestError(e, 'ERR_APP_NOT_FOUND'));
  });

  test('issue 15: a report names its HKDs (subject, serial, validity, verdict)', async () => {
    const page = await sc.port.listHistory({ guestId: goodId, offset: 0, limit: 1 });
    const report = await sc.port.getAttestation(page.items[0]!.id);
    assert.equal(report.hkds?.length, 1);
    const h = report.hkds![0]!;
    assert.match(h.subject, /OU=DEMO IBM Z Host Key/);
    assert.match(h.serialHex ?? '', /^[0-9a-f]+$/);
    assert.ok(h.notAfter && Date.parse(h.notAfter) > Date.now());
    assert.equal(h.verified, true);
  });

  test('issue 15: trust dependents name guests and chains; removal flags the guests; restore undoes it', async () => {
    const items = await sc.port.listTrust();
    const file = (name: string) => items.find((t) => t.fileName === name)!;
    const hkd = items.find((t) => t.kind === 'hkd')!;
    const onHkd = await sc.port.trustDependents(hkd.id);
    assert.deepEqual(onHkd.guests.map((g) => [g.name, g.why]).sort(), [
      ['guest-genuine', 'it uses every imported HKD'],
      ['guest-tampered', 'it uses every imported HKD'],
    ]);
    assert.deepEqual(onHkd.chains, []);
    const onSigning = await sc.port.trustDependents(file('demo-ibm-z-signing-key.crt').id);
    assert.deepEqual(
      onSigning.chains.map((c) => c.fileName),
      [hkd.fileName],
    );
    assert.match(onSigning.guests[0]!.why, /the chain of its HKD .* goes through it/);
    const onRoot = await sc.port.trustDependents(file('demo-root-ca.crt').id);
    assert.deepEqual(onRoot.chains.map((c) => c.fileName).sort(), [
      'demo-host-a.crt',
      'demo-ibm-z-signing-key.crt',
      'demo-intermediate-ca.crt',
    ]);
    const onCrl = await sc.port.trustDependents(file('demo-ibm-z-signing-key.crl').id);
    assert.deepEqual(
      onCrl.chains.map((c) => c.fileName),
      [hkd.fileName],
      "the signing key's CRL proves the HKD is not revoked",
    );
    await sc.port.removeTrust(hkd.id);
    for (const g of await sc.port.listGuests({}))
      assert.deepEqual(g.trustIssue?.kind, 'no-hkd', `${g.name} is flagged: its HKD is missing`);
    const restored = await sc.port.restoreTrust(hkd.id);
    assert.equal(restored.id, hkd.id);
    assert.equal(restored.chainStatus, 'valid');
    for (const g of await sc.port.listGuests({})) assert.equal(g.trustIssue, undefined, g.name);
    assert.equal((await sc.port.restoreTrust(hkd.id)).id, hkd.id, 'restoring an item in use is harmless');
    await assert.rejects(sc.port.restoreTrust('999999'), (e) => isAttestError(e, 'ERR_APP_NOT_FOUND'));
    await assert.rejects(sc.port.trustDependents('999999'), (e) => isAttestError(e, 'ERR_APP_NOT_FOUND'));
  });

  test('issue 15: a chain that does not verify names its code and the item at fault (for plain words)', async () => {
    const crl = (await sc.port.listTrust()).find((t) => t.fileName === 'demo-root-ca.crl')!;
    await sc.port.removeTrust(crl.id);
    try {
      const items = await sc.port.listTrust();
      const signing = items.find((t) => t.kind === 'signing-key')!;
      assert.equal(signing.chainStatus, 'invalid');
      assert.equal(signing.chainCode, 'ERR_CRL_MISSING');
      assert.match(
        signing.chainItem ?? '',
        /DEMO IBM Z Root CA/,
        `the CA without a CRL is named: ${signing.chainItem}`,
      );
      const hkd = items.find((t) => t.kind === 'hkd')!;
      assert.equal(hkd.chainStatus, 'invalid');
      assert.equal(hkd.chainCode, 'ERR_CRL_MISSING');
      const guest = (await sc.port.listGuests({}))[0]!;
      assert.equal(guest.trustIssue?.kind, 'chain');
    } finally {
      await sc.port.restoreTrust(crl.id);
    }
  });

  test('issue 15: a guest that names a removed HKD is flagged with its name', async () => {
    const hkd = (await sc.port.listTrust()).find((t) => t.kind === 'hkd')!;
    const g = await sc.port.addGuest({
      name: 'guest-named-hkd',
      sshTarget: 'root@192.0.2.7',
      policy: { hkdSha256: [hkd.sha256Hex] },
      hostKeyFingerprint: sc.goodGuest.hostKeyFingerprint!,
      jumpHost: 'admin@192.0.2.1:2222',
    });
    const detail = await sc.port.getGuest(g.id);
    assert.equal(detail.pinnedHostKey?.fingerprintSha256, sc.goodGuest.hostKeyFingerprint, 'a typed pin');
    assert.equal(detail.jumpHost, 'admin@192.0.2.1:2222');
    assert.equal(detail.trustIssue, undefined);
    await sc.port.removeTrust(hkd.id);
    const flagged = (await sc.port.listGuests({})).find((x) => x.id === g.id)!;
    assert.equal(flagged.trustIssue?.kind, 'hkd-missing');
    assert.match(flagged.trustIssue!.message, /DEMO IBM Z Host Key .* named by its policy is not imported/);
    await sc.port.restoreTrust(hkd.id);
    await sc.port.editGuest(g.id, { hostKeyFingerprint: '', jumpHost: '' });
    const cleared = await sc.port.getGuest(g.id);
    assert.equal(cleared.pinnedHostKey, undefined);
    assert.equal(cleared.jumpHost, undefined);
    await sc.port.removeGuest(g.id);
  });

  test('editing the SSH target forgets the pinned host key', async () => {
    const g = await sc.port.editGuest(badId, { sshTarget: sc.tamperedGuest.sshTarget.replace('root@', 'admin@') });
    assert.equal(g.sshTarget.startsWith('admin@'), true);
    assert.equal((await sc.port.getGuest(badId)).pinnedHostKey, undefined);
    await sc.port.editGuest(badId, { sshTarget: sc.tamperedGuest.sshTarget });
    // issue 15: the form sends the current pin back with a new target: the pin still does not carry over.
    await sc.port.editGuest(badId, { hostKeyFingerprint: sc.tamperedGuest.hostKeyFingerprint! });
    assert.equal((await sc.port.getGuest(badId)).pinnedHostKey?.fingerprintSha256, sc.tamperedGuest.hostKeyFingerprint);
    await sc.port.editGuest(badId, {
      sshTarget: sc.tamperedGuest.sshTarget.replace('root@', 'admin@'),
      hostKeyFingerprint: sc.tamperedGuest.hostKeyFingerprint!,
    });
    assert.equal((await sc.port.getGuest(badId)).pinnedHostKey, undefined);
    await sc.port.editGuest(badId, { sshTarget: sc.tamperedGuest.sshTarget });
  });

  test('exports an evidence bundle of the period into a folder', async () => {
    const control = taskControl();
    const out = await sc.port.exportEvidence(
      {
        from: new Date(Date.now() - 3_600_000).toISOString(),
        to: new Date(Date.now() + 60_000).toISOString(),
        guestIds: [goodId],
        destination: join(sc.dir, 'evidence'),
        organisation: 'Example Bank, Security Office',
      },
      control,
    );
    assert.equal(out.attestationCount, 4);
    // issue 15: the organisation typed on the Evidence screen is the bundle's.
    const files = unzipSync(readFileSync(out.path), { filter: (f) => f.name.endsWith('evidence.json') });
    const json = JSON.parse(new TextDecoder().decode(Object.values(files)[0]!)) as { organisation?: string };
    assert.equal(json.organisation, 'Example Bank, Security Office');
    assert.ok(existsSync(out.path) && out.path.endsWith('.zip'), out.path);
    assert.match(out.sha256Hex, /^[0-9a-f]{64}$/);
    assert.deepEqual(control.progress.at(-1), [4, 4]);
  });

  test('cancelling while the host-key prompt is open ends the run as cancelled', async () => {
    const g = await sc.port.addGuest({
      name: 'guest-cancel',
      sshTarget: sc.goodGuest.sshTarget,
      identityRef: sc.goodGuest.identityRef!,
      seHeaderBase64: readFileSync(sc.goodGuest.seHeaderPath!).toString('base64'),
      policy: {},
    });
    const controller = new AbortController();
    const control = attestControl(false, controller);
    control.confirmHostKey = async () => {
      controller.abort();
      return false;
    };
    await assert.rejects(sc.port.runAttestation(g.id, control), (e) => isAttestError(e, 'ERR_APP_CANCELLED'));
    assert.equal(finalStates(control.steps).connect, 'cancelled');
    assert.equal(
      control.steps.some((s) => s.state === 'failed'),
      false,
    );
    assert.equal((await sc.port.getGuest(g.id)).pinnedHostKey, undefined);
    await sc.port.removeGuest(g.id);
  });

  test('issue 11: cancelling a batch over a verified guest keeps it verified; the cancelled run is in its history', async () => {
    assert.equal((await sc.port.getGuest(goodId)).status, 'verified');
    const before = (await sc.port.listHistory({ guestId: goodId, offset: 0, limit: 1 })).total;
    const controller = new AbortController();
    const control = {
      ...attestControl(true, controller),
      reportGuestDone: () => undefined,
    };
    // the user presses Cancel once the request is on its way to the guest
    control.reportStep = (u: StepUpdate) => {
      control.steps.push(u);
      if (u.step === 'upload' && u.state === 'running') controller.abort();
    };
    await assert.rejects(sc.port.attestFleet([goodId], control), (e) => isAttestError(e, 'ERR_APP_CANCELLED'));
    const guest = await sc.port.getGuest(goodId);
    assert.equal(guest.status, 'verified', 'a cancelled run never turns a verified guest into failing');
    assert.equal(guest.lastAttestation?.outcome, 'cancelled');
    const page = await sc.port.listHistory({ guestId: goodId, offset: 0, limit: 1 });
    assert.equal(page.total, before + 1);
    assert.equal(page.items[0]?.outcome, 'cancelled');
    const report = await sc.port.getAttestation(page.items[0]!.id);
    assert.equal(
      report.steps.some((st) => st.state === 'cancelled'),
      true,
    );
    assert.equal(
      report.steps.some((st) => st.state === 'failed'),
      false,
    );
    assert.equal(
      (await sc.port.listGuests({ status: 'failing' })).some((g) => g.id === goodId),
      false,
    );
  });

  test('removing a guest keeps its history readable; removing trust material takes it out of use, audited', async () => {
    const attempts = await sc.port.listHistory({ guestId: badId, offset: 0, limit: 10 });
    await sc.port.removeGuest(badId);
    assert.deepEqual(
      (await sc.port.listGuests({})).map((g) => g.name),
      ['guest-genuine'],
    );
    assert.equal((await sc.port.getAttestation(attempts.items[0]!.id)).guestName, 'guest-tampered');
    const before = await sc.port.listTrust();
    const crl = before.find((t) => t.kind === 'crl')!;
    await sc.port.removeTrust(crl.id);
    const after = await sc.port.listTrust();
    assert.equal(after.length, before.length - 1);
    assert.equal(
      after.some((t) => t.id === crl.id),
      false,
    );
    await assert.rejects(sc.port.removeTrust(crl.id), (e) => isAttestError(e, 'ERR_APP_NOT_FOUND'));
    const attempt = await sc.port.getAttestation(attempts.items[0]!.id);
    assert.equal(attempt.guestName, 'guest-tampered', 'history is still readable');
  });
});
