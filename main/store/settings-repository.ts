/**
 * Small per-workspace settings (schema 6), e.g. the organisation the Evidence screen remembers: one row per
 * key, text values, every change audited with the row's content hash (`setting.changed`). Never a secret.
 */
import { AttestError } from '../../shared/errors/index.js';
import { hashSettingRow, type SettingRow } from './content-hash.js';
import { readTransaction, writeTransaction, type StoreContext } from './store-context.js';

const KEY_RE = /^[a-z][a-z0-9._-]{0,63}$/;
/** Longest value accepted (characters). */
export const MAX_SETTING_VALUE_LENGTH = 4096;

/** Settings rows of one store. */
export class SettingsRepository {
  constructor(private readonly ctx: StoreContext) {}

  /** The value of `key`, or null when it was never set. */
  get(key: string): string | null {
    checkKey(key);
    return readTransaction(
      this.ctx,
      () => (this.ctx.stmt('SELECT value FROM settings WHERE key = ?').pluck().get(key) as string | undefined) ?? null,
    );
  }

  /** Sets `key` to `value` (audited when it changes); throws ERR_STORE_SETTING_INVALID for a bad key or value. */
  set(key: string, value: string): void {
    checkKey(key);
    if (typeof value !== 'string' || value.length > MAX_SETTING_VALUE_LENGTH || value.includes('\0')) {
      throw new AttestError(
        'ERR_STORE_SETTING_INVALID',
        `setting ${key}: the value must be text of at most ${MAX_SETTING_VALUE_LENGTH} characters`,
        { key },
      );
    }
    writeTransaction(this.ctx, () => {
      const cur = this.ctx.stmt('SELECT * FROM settings WHERE key = ?').get(key) as SettingRow | undefined;
      if (cur?.value === value) return;
      const at = this.ctx.now().toISOString();
      const id = cur
        ? (this.ctx.stmt('UPDATE settings SET value = ?, updated_at = ? WHERE id = ?').run(value, at, cur.id), cur.id)
        : Number(
            this.ctx.stmt('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)').run(key, value, at)
              .lastInsertRowid,
          );
      this.ctx.audit.append({
        action: 'setting.changed',
        subjectType: 'setting',
        subjectId: id,
        data: { key, value, contentHash: hashSettingRow({ id, key, value, updated_at: at }) },
      });
    });
  }
}

function checkKey(key: string): void {
  if (typeof key !== 'string' || !KEY_RE.test(key)) {
    throw new AttestError(
      'ERR_STORE_SETTING_INVALID',
      `invalid setting name "${String(key).slice(0, 80)}" (a-z, digits, . _ -; at most 64)`,
    );
  }
}
