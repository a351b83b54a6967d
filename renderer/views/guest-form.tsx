// @jsxRuntime automatic
/**
 * Add or edit a guest, with every policy field the command line has: SSH target, jump host, identity, pinned
 * host-key fingerprint, SE header (the current one shown on edit), HKDs by host name, required additional data
 * (each kind explained), expected image and attestation PHKH (chosen from the imported HKDs or pasted), expected
 * user data, tags and notes. Required fields are marked; a wrong value marks its field and says what is wrong.
 */
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { SHA256_FINGERPRINT_PATTERN } from '../../shared/fingerprint.js';
import {
  ADD_DATA_KINDS,
  type AddDataKind,
  type GuestInput,
  type GuestSummary,
  type SeHeaderFacts,
  type TrustItem,
} from '../../shared/types/ui.js';
import { Dialog } from '../components/dialog.js';
import { formatDate, shortDn, shortenHex } from '../components/format.js';
import { HashText } from '../components/hash-text.js';
import { describeError, issuesOf } from '../state/errors.js';
import { bytesToBase64 } from '../state/trust-store.js';

/** What each additional-data kind proves. */
export const ADD_DATA_TEXT: Record<AddDataKind, { title: string; text: string }> = {
  'phkh-img': {
    title: 'Image PHKH',
    text: 'the hash of the host key the guest image was built for: proves which host the image was prepared for',
  },
  'phkh-att': {
    title: 'Attestation PHKH',
    text: 'the hash of the host key of the machine that answered: proves where the guest runs now',
  },
  'secret-store-hash': {
    title: 'Secret-store hash',
    text: 'a digest of the secrets in the guest\u2019s Ultravisor secret store: proves which secrets it holds',
  },
  'firmware-state': {
    title: 'Firmware state',
    text: 'a digest of the firmware\u2019s state (newer machines): proves the firmware level',
  },
};

/** The fields of the form (ids of inputs and of error messages). */
type Field =
  | 'name'
  | 'sshTarget'
  | 'jumpHost'
  | 'identityRef'
  | 'hostKeyFingerprint'
  | 'seHeader'
  | 'expectedImagePhkh'
  | 'expectedAttestationPhkh'
  | 'expectedUserData'
  | 'tags'
  | 'notes';

const TARGET = /^(?:[A-Za-z0-9._-]+@)?(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
const PHKH = /^[0-9a-fA-F]{64}$/;

/** The words for a field named by a server-side check (`policy.expectedUserData: not hex`). */
function fieldOfIssue(path: string): Field | undefined {
  const key = path.split(':')[0]!.trim().split('.').pop()!;
  const known: Field[] = [
    'name',
    'sshTarget',
    'jumpHost',
    'identityRef',
    'hostKeyFingerprint',
    'expectedImagePhkh',
    'expectedAttestationPhkh',
    'expectedUserData',
    'tags',
    'notes',
  ];
  if (key === 'seHeaderBase64') return 'seHeader';
  return known.find((k) => k === key);
}

const FIELD_WORDS: Record<Field, string> = {
  name: 'Enter a name (up to 100 characters).',
  sshTarget: 'Enter the SSH target as user@host or user@host:port.',
  jumpHost: 'Enter the jump host as user@host or user@host:port, or leave it empty.',
  identityRef: 'Enter the path of a private key file, or “agent”.',
  hostKeyFingerprint: 'Enter a fingerprint like SHA256: followed by 43 characters, as ssh-keygen -l prints it.',
  seHeader: 'Choose the guest\u2019s SE image or its extracted SE header.',
  expectedImagePhkh: 'Enter 64 hexadecimal characters (0-9, a-f), or choose an HKD.',
  expectedAttestationPhkh: 'Enter 64 hexadecimal characters (0-9, a-f), or choose an HKD.',
  expectedUserData: 'Enter hexadecimal characters (0-9, a-f) in pairs, at most 512 bytes.',
  tags: 'Separate tags with commas; each up to 50 characters.',
  notes: 'Notes can be at most 2000 characters.',
};

/** Props of GuestForm. */
export interface GuestFormProps {
  title: string;
  hkds: TrustItem[];
  initial?: Partial<GuestInput>;
  /** The guest's current SE header (edit). */
  currentHeader?: SeHeaderFacts;
  onSubmit(input: GuestInput): Promise<GuestSummary | unknown>;
  /** Told after a successful save (the caller confirms it). */
  onSaved?(saved: { name: string }): void;
  onClose(): void;
}

/** A PHKH chosen from the imported HKDs or pasted. */
function PhkhField(p: {
  id: string;
  label: string;
  hint: string;
  hkds: TrustItem[];
  value: string;
  onChange(v: string): void;
  error?: string;
}) {
  const known = p.hkds.filter((h) => h.phkhHex);
  const match = known.find((h) => h.phkhHex === p.value.toLowerCase());
  const [mode, setMode] = useState<'none' | 'paste' | string>(p.value ? (match ? match.id : 'paste') : 'none');
  const errId = `${p.id}-err`;
  return (
    <div className="field">
      <label htmlFor={`${p.id}-choice`}>{p.label}</label>
      <p className="hint" id={`${p.id}-hint`}>
        {p.hint}
      </p>
      <select
        id={`${p.id}-choice`}
        value={mode}
        aria-describedby={`${p.id}-hint`}
        onChange={(e) => {
          const v = e.target.value;
          setMode(v);
          if (v === 'none') p.onChange('');
          else if (v !== 'paste') p.onChange(known.find((h) => h.id === v)?.phkhHex ?? '');
        }}
      >
        <option value="none">Not checked</option>
        {known.map((h) => (
          <option key={h.id} value={h.id}>
            {`${shortDn(h.subject)} \u2014 ${shortenHex(h.phkhHex!)}`}
          </option>
        ))}
        <option value="paste">Paste a PHKH…</option>
      </select>
      {mode === 'paste' ? (
        <input
          id={p.id}
          name={p.id}
          className="mono"
          aria-label={`${p.label} (hex)`}
          value={p.value}
          placeholder="64 hexadecimal characters"
          aria-invalid={p.error ? true : undefined}
          aria-describedby={p.error ? errId : undefined}
          onChange={(e) => p.onChange(e.target.value)}
          autoComplete="off"
        />
      ) : null}
      {p.error ? (
        <p className="field-error" id={errId}>
          {p.error}
        </p>
      ) : null}
    </div>
  );
}

/** The guest dialog. */
export function GuestForm({ title, hkds, initial, currentHeader, onSubmit, onSaved, onClose }: GuestFormProps) {
  const uid = useId();
  const editing = initial?.name !== undefined;
  const [name, setName] = useState(initial?.name ?? '');
  const [target, setTarget] = useState(initial?.sshTarget ?? '');
  const [jump, setJump] = useState(initial?.jumpHost ?? '');
  const [identity, setIdentity] = useState(initial?.identityRef ?? '');
  const [fingerprint, setFingerprint] = useState(initial?.hostKeyFingerprint ?? '');
  const [header, setHeader] = useState<{ name: string; base64: string } | undefined>();
  const [hkdSel, setHkdSel] = useState<string[]>(initial?.policy?.hkdSha256 ?? []);
  const [addData, setAddData] = useState<AddDataKind[]>(initial?.policy?.requiredAddData ?? []);
  const [imagePhkh, setImagePhkh] = useState(initial?.policy?.expectedImagePhkh ?? '');
  const [attPhkh, setAttPhkh] = useState(initial?.policy?.expectedAttestationPhkh ?? '');
  const [userData, setUserData] = useState(initial?.policy?.expectedUserData ?? '');
  const [tags, setTags] = useState((initial?.tags ?? []).join(', '));
  const [notes, setNotes] = useState(initial?.notes ?? '');
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const id = (f: Field): string => `${uid}-${f}`;

  function validate(): Partial<Record<Field, string>> {
    const e: Partial<Record<Field, string>> = {};
    const hex = (s: string) => s.trim().replace(/\s+/g, '');
    if (!name.trim() || name.trim().length > 100) e.name = FIELD_WORDS.name;
    if (!TARGET.test(target.trim())) e.sshTarget = FIELD_WORDS.sshTarget;
    if (jump.trim() && !TARGET.test(jump.trim())) e.jumpHost = FIELD_WORDS.jumpHost;
    if (fingerprint.trim() && !SHA256_FINGERPRINT_PATTERN.test(fingerprint.trim()))
      e.hostKeyFingerprint = FIELD_WORDS.hostKeyFingerprint;
    if (imagePhkh && !PHKH.test(hex(imagePhkh))) e.expectedImagePhkh = FIELD_WORDS.expectedImagePhkh;
    if (attPhkh && !PHKH.test(hex(attPhkh))) e.expectedAttestationPhkh = FIELD_WORDS.expectedAttestationPhkh;
    const ud = hex(userData);
    if (ud && (!/^(?:[0-9a-fA-F]{2})+$/.test(ud) || ud.length > 1024))
      e.expectedUserData = FIELD_WORDS.expectedUserData;
    if (tags.split(',').some((t) => t.trim().length > 50)) e.tags = FIELD_WORDS.tags;
    if (notes.length > 2000) e.notes = FIELD_WORDS.notes;
    return e;
  }

  function focusFirst(e: Partial<Record<Field, string>>): void {
    const first = Object.keys(e)[0] as Field | undefined;
    if (!first) return;
    const el = document.getElementById(id(first)) ?? document.getElementById(`${id(first)}-choice`);
    el?.focus();
  }

  async function submit(ev: FormEvent): Promise<void> {
    ev.preventDefault();
    setFormError(undefined);
    const found = validate();
    setErrors(found);
    if (Object.keys(found).length > 0) {
      focusFirst(found);
      return;
    }
    const clean = (s: string) => s.trim().replace(/\s+/g, '').toLowerCase();
    const tagList = tags
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    const input: GuestInput = {
      name: name.trim(),
      sshTarget: target.trim(),
      ...(identity.trim() ? { identityRef: identity.trim() } : {}),
      ...(header ? { seHeaderBase64: header.base64 } : {}),
      ...(fingerprint.trim() || editing ? { hostKeyFingerprint: fingerprint.trim() } : {}),
      ...(jump.trim() || editing ? { jumpHost: jump.trim() } : {}),
      policy: {
        ...(hkdSel.length > 0 ? { hkdSha256: hkdSel } : {}),
        ...(addData.length > 0 ? { requiredAddData: addData } : {}),
        ...(clean(imagePhkh) ? { expectedImagePhkh: clean(imagePhkh) } : {}),
        ...(clean(attPhkh) ? { expectedAttestationPhkh: clean(attPhkh) } : {}),
        ...(clean(userData) ? { expectedUserData: clean(userData) } : {}),
      },
      ...(tagList.length > 0 || editing ? { tags: tagList } : {}),
      ...(notes.trim() || editing ? { notes: notes.trim() } : {}),
    };
    setBusy(true);
    try {
      await onSubmit(input);
      onSaved?.({ name: input.name });
      onClose();
    } catch (err) {
      const issues = issuesOf(err);
      const marked: Partial<Record<Field, string>> = {};
      for (const issue of issues) {
        const f = fieldOfIssue(issue);
        if (f) marked[f] = FIELD_WORDS[f];
      }
      const d = describeError(err);
      if (d.code === 'ERR_APP_CONFLICT') marked.name = 'A guest with this name already exists: choose another name.';
      if (d.code.startsWith('ERR_SEHDR')) marked.seHeader = `${d.text} ${FIELD_WORDS.seHeader}`;
      setErrors(marked);
      setFormError(Object.keys(marked).length > 0 ? 'Check the marked fields.' : d.text);
      focusFirst(marked);
    } finally {
      setBusy(false);
    }
  }

  const text = (
    f: Field,
    label: ReactNode,
    value: string,
    set: (v: string) => void,
    extra: { required?: boolean; placeholder?: string; hint?: string; mono?: boolean } = {},
  ) => (
    <div className="field">
      <label htmlFor={id(f)}>
        {label}
        {extra.required ? (
          <span className="required" aria-hidden="true">
            {' '}
            *
          </span>
        ) : null}
      </label>
      {extra.hint ? (
        <p className="hint" id={`${id(f)}-hint`}>
          {extra.hint}
        </p>
      ) : null}
      <input
        id={id(f)}
        name={f}
        className={extra.mono ? 'mono' : undefined}
        value={value}
        required={extra.required}
        aria-required={extra.required}
        placeholder={extra.placeholder}
        aria-invalid={errors[f] ? true : undefined}
        aria-describedby={
          [errors[f] ? `${id(f)}-err` : '', extra.hint ? `${id(f)}-hint` : ''].filter(Boolean).join(' ') || undefined
        }
        onChange={(e) => set(e.target.value)}
        autoComplete="off"
      />
      {errors[f] ? (
        <p className="field-error" id={`${id(f)}-err`}>
          {errors[f]}
        </p>
      ) : null}
    </div>
  );

  return (
    <Dialog title={title} onClose={onClose}>
      <form className="form" noValidate onSubmit={(e) => void submit(e)}>
        <p className="hint">
          Fields marked <span className="required">*</span> are required.
        </p>
        {text('name', 'Name', name, setName, { required: true })}
        {text('sshTarget', 'SSH target', target, setTarget, { required: true, placeholder: 'user@host:22' })}
        {text('identityRef', 'SSH identity (key file path or “agent”)', identity, setIdentity, {
          hint: 'Empty: the SSH agent. The key itself never leaves this computer\u2019s disk.',
        })}
        {text('jumpHost', 'Jump host (optional)', jump, setJump, { placeholder: 'user@bastion:22' })}
        {text('hostKeyFingerprint', 'Pinned SSH host-key fingerprint (optional)', fingerprint, setFingerprint, {
          mono: true,
          placeholder: 'SHA256:…',
          hint: 'Empty: the workstation shows the guest\u2019s key at first contact and asks. Get it on the guest\u2019s console with ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub.',
        })}
        <div className="field">
          <label htmlFor={id('seHeader')}>SE header or image</label>
          {currentHeader ? (
            <div className="current-header" aria-label="Current SE header">
              <p className="hint">
                Current header: <span className="mono">{currentHeader.sizeBytes}</span> bytes, key slots for{' '}
                {currentHeader.keySlotPhkhs.length} host key(s). Choose a file only to replace it.
              </p>
              <div>
                PLD <HashText value={currentHeader.pldHex} label="PLD digest of the current header" short />
              </div>
            </div>
          ) : editing ? (
            <p className="hint">No SE header stored yet: choose the guest\u2019s SE image or header.</p>
          ) : null}
          <input
            id={id('seHeader')}
            name="seHeader"
            type="file"
            aria-invalid={errors.seHeader ? true : undefined}
            aria-describedby={errors.seHeader ? `${id('seHeader')}-err` : undefined}
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (!file) return setHeader(undefined);
              void file
                .arrayBuffer()
                .then((buf) => setHeader({ name: file.name, base64: bytesToBase64(new Uint8Array(buf)) }));
            }}
          />
          {errors.seHeader ? (
            <p className="field-error" id={`${id('seHeader')}-err`}>
              {errors.seHeader}
            </p>
          ) : null}
        </div>
        <fieldset>
          <legend>Host-key documents to encrypt for</legend>
          <p className="hint">None chosen: every imported HKD.</p>
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
              <span>
                {shortDn(h.subject)}
                <span className="hint">
                  {h.serialHex ? ` serial ${shortenHex(h.serialHex)}` : ''}
                  {h.notAfter ? `, until ${formatDate(h.notAfter)}` : ''}
                </span>
              </span>
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
              <span>
                <strong>{ADD_DATA_TEXT[k].title}</strong> <span className="hint">({k})</span>: {ADD_DATA_TEXT[k].text}
              </span>
            </label>
          ))}
        </fieldset>
        <PhkhField
          id={id('expectedImagePhkh')}
          label="Expected image PHKH"
          hint="The host key the guest image must have been built for. Requires the image PHKH to be requested."
          hkds={hkds}
          value={imagePhkh}
          onChange={setImagePhkh}
          {...(errors.expectedImagePhkh ? { error: errors.expectedImagePhkh } : {})}
        />
        <PhkhField
          id={id('expectedAttestationPhkh')}
          label="Expected attestation PHKH"
          hint="The host key of the machine that must answer. Requires the attestation PHKH to be requested."
          hkds={hkds}
          value={attPhkh}
          onChange={setAttPhkh}
          {...(errors.expectedAttestationPhkh ? { error: errors.expectedAttestationPhkh } : {})}
        />
        {text('expectedUserData', 'Expected user data (hex, optional)', userData, setUserData, { mono: true })}
        {text('tags', 'Tags (comma-separated)', tags, setTags)}
        <div className="field">
          <label htmlFor={id('notes')}>Notes</label>
          <textarea
            id={id('notes')}
            name="notes"
            rows={2}
            value={notes}
            aria-invalid={errors.notes ? true : undefined}
            onChange={(e) => setNotes(e.target.value)}
          />
          {errors.notes ? <p className="field-error">{errors.notes}</p> : null}
        </div>
        {formError ? (
          <p role="alert" className="error-box">
            {formError}
          </p>
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
