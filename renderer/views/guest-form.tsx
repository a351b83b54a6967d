// @jsxRuntime automatic
/** Add or edit a guest: target, identity, SE header, HKDs and policy. */
import { useState, type FormEvent } from 'react';
import { ADD_DATA_KINDS, type AddDataKind, type GuestInput, type TrustItem } from '../../shared/types/ui.js';
import { CallError } from '../api/client.js';
import { Dialog } from '../components/dialog.js';
import { describeError } from '../state/errors.js';
import { bytesToBase64 } from '../state/trust-store.js';

/** Props of GuestForm. */
export interface GuestFormProps {
  title: string;
  hkds: TrustItem[];
  initial?: Partial<GuestInput>;
  onSubmit(input: GuestInput): Promise<unknown>;
  onClose(): void;
}

/** The guest dialog. */
export function GuestForm({ title, hkds, initial, onSubmit, onClose }: GuestFormProps) {
  const [name, setName] = useState(initial?.name ?? '');
  const [target, setTarget] = useState(initial?.sshTarget ?? '');
  const [identity, setIdentity] = useState(initial?.identityRef ?? '');
  const [header, setHeader] = useState<{ name: string; base64: string } | undefined>();
  const [hkdSel, setHkdSel] = useState<string[]>(initial?.policy?.hkdSha256 ?? []);
  const [addData, setAddData] = useState<AddDataKind[]>(initial?.policy?.requiredAddData ?? []);
  const [userData, setUserData] = useState(initial?.policy?.expectedUserData ?? '');
  const [notes, setNotes] = useState(initial?.notes ?? '');
  const [error, setError] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent): Promise<void> {
    e.preventDefault();
    setBusy(true);
    setError([]);
    const input: GuestInput = {
      name: name.trim(),
      sshTarget: target.trim(),
      ...(identity.trim() ? { identityRef: identity.trim() } : {}),
      ...(header ? { seHeaderBase64: header.base64 } : {}),
      policy: {
        ...(hkdSel.length > 0 ? { hkdSha256: hkdSel } : {}),
        ...(addData.length > 0 ? { requiredAddData: addData } : {}),
        ...(userData.trim() ? { expectedUserData: userData.trim().toLowerCase() } : {}),
      },
      ...(notes.trim() ? { notes: notes.trim() } : {}),
    };
    try {
      await onSubmit(input);
      onClose();
    } catch (err) {
      const issues =
        err instanceof CallError && Array.isArray(err.details?.['issues']) ? (err.details['issues'] as string[]) : [];
      setError([describeError(err).text, ...issues]);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog title={title} onClose={onClose}>
      <form className="form" onSubmit={(e) => void submit(e)}>
        <label>
          Name
          <input name="name" required value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
        </label>
        <label>
          SSH target
          <input
            name="sshTarget"
            required
            placeholder="user@host:22"
            value={target}
            onChange={(e) => setTarget(e.target.value)}
            autoComplete="off"
          />
        </label>
        <label>
          SSH identity (key file path or &quot;agent&quot;)
          <input name="identityRef" value={identity} onChange={(e) => setIdentity(e.target.value)} autoComplete="off" />
        </label>
        <label>
          SE header or image
          <input
            name="seHeader"
            type="file"
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (!file) return setHeader(undefined);
              void file
                .arrayBuffer()
                .then((buf) => setHeader({ name: file.name, base64: bytesToBase64(new Uint8Array(buf)) }));
            }}
          />
        </label>
        <fieldset>
          <legend>Host-key documents (none selected = all imported)</legend>
          {hkds.length === 0 ? <p className="hint">No HKD imported yet — import one on the Trust screen.</p> : null}
          {hkds.map((h) => (
            <label key={h.id} className="check">
              <input
                type="checkbox"
                checked={hkdSel.includes(h.sha256Hex)}
                onChange={() =>
                  setHkdSel((s) => (s.includes(h.sha256Hex) ? s.filter((x) => x !== h.sha256Hex) : [...s, h.sha256Hex]))
                }
              />
              {h.subject}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Additional data to require</legend>
          {ADD_DATA_KINDS.map((k) => (
            <label key={k} className="check">
              <input
                type="checkbox"
                checked={addData.includes(k)}
                onChange={() => setAddData((s) => (s.includes(k) ? s.filter((x) => x !== k) : [...s, k]))}
              />
              {k}
            </label>
          ))}
        </fieldset>
        <label>
          Expected user data (hex, optional)
          <input
            name="expectedUserData"
            className="mono"
            value={userData}
            onChange={(e) => setUserData(e.target.value)}
            autoComplete="off"
          />
        </label>
        <label>
          Notes
          <textarea name="notes" rows={2} value={notes} onChange={(e) => setNotes(e.target.value)} />
        </label>
        {error.length > 0 ? (
          <div role="alert" className="error-box">
            {error.map((t, i) => (
              <p key={i}>{t}</p>
            ))}
          </div>
        ) : null}
        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            Save guest
          </button>
        </div>
      </form>
    </Dialog>
  );
}
