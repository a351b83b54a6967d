/**
 * The Electron window policy (checked without Electron): secure web preferences, navigation / new-window /
 * webview lock, every permission denied; and the start options.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import { parseStartOptions } from '../../main/app/options.js';
import { denyAllPermissions, lockDownContents, SECURE_WEB_PREFERENCES } from '../../main/app/window-policy.js';

describe('window policy', () => {
  test('web preferences follow the Electron security checklist', () => {
    assert.equal(SECURE_WEB_PREFERENCES.contextIsolation, true);
    assert.equal(SECURE_WEB_PREFERENCES.sandbox, true);
    assert.equal(SECURE_WEB_PREFERENCES.nodeIntegration, false);
    assert.equal(SECURE_WEB_PREFERENCES.nodeIntegrationInSubFrames, false);
    assert.equal(SECURE_WEB_PREFERENCES.webSecurity, true);
    assert.equal(SECURE_WEB_PREFERENCES.allowRunningInsecureContent, false);
    assert.equal(SECURE_WEB_PREFERENCES.webviewTag, false);
    assert.ok(Object.isFrozen(SECURE_WEB_PREFERENCES));
  });

  test('navigation, redirects and webviews are prevented; window.open is denied', () => {
    const contents = new EventEmitter() as EventEmitter & {
      setWindowOpenHandler(h: (d: { url: string }) => { action: 'deny' }): void;
      openHandler?: (d: { url: string }) => { action: string };
    };
    contents.setWindowOpenHandler = (h) => (contents.openHandler = h);
    lockDownContents(contents as never);
    for (const event of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      let prevented = false;
      contents.emit(event, { preventDefault: () => (prevented = true), url: 'https://evil.example/' });
      assert.equal(prevented, true, event);
    }
    assert.deepEqual(contents.openHandler?.({ url: 'https://evil.example/' }), { action: 'deny' });
  });

  test('every permission request and check is denied', () => {
    let request: ((wc: unknown, p: string, cb: (g: boolean) => void) => void) | null = null;
    let check: ((wc: unknown, p: string) => boolean) | null = null;
    denyAllPermissions({
      setPermissionRequestHandler: (h) => (request = h),
      setPermissionCheckHandler: (h) => (check = h),
    });
    for (const permission of ['media', 'notifications', 'clipboard-read', 'geolocation', 'openExternal']) {
      let granted: boolean | undefined;
      request!(undefined, permission, (g) => (granted = g));
      assert.equal(granted, false, permission);
      assert.equal(check!(undefined, permission), false, permission);
    }
  });
});

describe('start options', () => {
  test('--db, --demo and --port, ignoring other arguments', () => {
    assert.deepEqual(parseStartOptions(['--db', '/tmp/a.db', '--demo']), { dbPath: '/tmp/a.db', demo: true });
    assert.deepEqual(parseStartOptions(['/app', '--db=/x.db', '--port', '0', '--enable-logging']), {
      dbPath: '/x.db',
      demo: false,
      listenPort: 0,
    });
    assert.throws(() => parseStartOptions(['--db']), /--db needs a value/);
    assert.throws(() => parseStartOptions(['--port', '99999']), /--port/);
  });
});
