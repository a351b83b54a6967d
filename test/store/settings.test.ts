/** Issue 11: per-workspace settings (the Evidence screen's organisation), audited on change. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_SETTING_VALUE_LENGTH, openStore } from '../../main/store/index.js';
import { isAttestError } from '../../shared/errors/index.js';
import { tempDb } from './helpers.js';

test('settings: get/set per database, audited only on change, kept across opens, checked by audit verify', () => {
  const t = tempDb();
  try {
    const store = openStore({ path: t.path });
    assert.equal(store.settings.get('evidence.organisation'), null);
    store.settings.set('evidence.organisation', 'ACME Bank');
    store.settings.set('evidence.organisation', 'ACME Bank'); // unchanged: no entry
    store.settings.set('evidence.organisation', 'ACME Bank AG');
    const entries = store.audit.list().filter((e) => e.action === 'setting.changed');
    assert.deepEqual(
      entries.map((e) => e.data['value']),
      ['ACME Bank', 'ACME Bank AG'],
    );
    assert.equal(entries[0]?.subjectType, 'setting');
    assert.equal(store.audit.verify().ok, true);
    store.close();

    const again = openStore({ path: t.path });
    assert.equal(again.settings.get('evidence.organisation'), 'ACME Bank AG');
    // changed outside the application: audit verify names the row
    again.db.prepare("UPDATE settings SET value = 'Evil Corp'").run();
    const v = again.audit.verify();
    assert.equal(v.ok, false);
    assert.equal(v.firstBroken?.subjectType, 'setting');
    again.close();
  } finally {
    t.cleanup();
  }
});

test('settings: bad names and values are refused with ERR_STORE_SETTING_INVALID', () => {
  const store = openStore({ path: ':memory:' });
  const invalid = (e: unknown) => isAttestError(e, 'ERR_STORE_SETTING_INVALID');
  for (const key of ['', 'Upper', '1x', 'a'.repeat(65), 'a b', "x'; DROP TABLE settings"])
    assert.throws(() => store.settings.set(key, 'v'), invalid, key);
  assert.throws(() => store.settings.get('no spaces allowed'), invalid);
  assert.throws(() => store.settings.set('k', 'x'.repeat(MAX_SETTING_VALUE_LENGTH + 1)), invalid);
  assert.throws(() => store.settings.set('k', 'a\0b'), invalid);
  assert.throws(() => store.settings.set('k', 42 as unknown as string), invalid);
  store.settings.set('k', '');
  assert.equal(store.settings.get('k'), '');
  store.close();
});
