// @jsxRuntime automatic
/**
 * Evidence: export a signed bundle for an auditor. The period comes from presets (this year, last year, last 12
 * months) or two ISO dates; then the guests, the organisation named on the cover and the destination. After the
 * export: where the bundle is, the exact command that verifies it offline, and (desktop) "Open folder".
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useStore } from 'zustand';
import { HashText } from '../components/hash-text.js';
import { useStores } from '../state/stores.js';

/** A period preset. */
export type PeriodPreset = 'this-year' | 'last-year' | 'last-12-months' | 'custom';

const PRESETS: { id: PeriodPreset; title: string }[] = [
  { id: 'this-year', title: 'This year' },
  { id: 'last-year', title: 'Last year' },
  { id: 'last-12-months', title: 'Last 12 months' },
  { id: 'custom', title: 'Custom' },
];

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The dates (`YYYY-MM-DD`, UTC, both included) of a preset at `now`. */
export function presetPeriod(preset: Exclude<PeriodPreset, 'custom'>, now: Date): { from: string; to: string } {
  const y = now.getUTCFullYear();
  const today = now.toISOString().slice(0, 10);
  if (preset === 'this-year') return { from: `${y}-01-01`, to: today };
  if (preset === 'last-year') return { from: `${y - 1}-01-01`, to: `${y - 1}-12-31` };
  const start = new Date(Date.UTC(y - 1, now.getUTCMonth(), now.getUTCDate() + 1));
  return { from: start.toISOString().slice(0, 10), to: today };
}

/** A `YYYY-MM-DD` that names a real day. */
export function isIsoDate(s: string): boolean {
  if (!ISO_DATE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** The evidence screen. */
export function EvidenceView() {
  const stores = useStores();
  const guests = useStore(stores.guests, (s) => s.guests);
  const running = useStore(stores.evidence, (s) => s.running);
  const result = useStore(stores.evidence, (s) => s.result);
  const error = useStore(stores.evidence, (s) => s.error);
  const defaults = useStore(stores.evidence, (s) => s.defaults);
  const [preset, setPreset] = useState<PeriodPreset>('this-year');
  const initial = presetPeriod('this-year', new Date());
  const [from, setFrom] = useState(initial.from);
  const [to, setTo] = useState(initial.to);
  const [chosen, setChosen] = useState<string[]>([]);
  // what the user typed; until then the field shows the organisation remembered for this workspace
  const [typedOrganisation, setTypedOrganisation] = useState<string>();
  const organisation = typedOrganisation ?? defaults?.organisation ?? '';
  const [destination, setDestination] = useState('');
  const [invalid, setInvalid] = useState<{ from?: string; to?: string; destination?: string }>({});
  useEffect(() => {
    void stores.guests.getState().load();
    void stores.evidence.getState().loadDefaults();
  }, [stores]);

  function choose(p: PeriodPreset): void {
    setPreset(p);
    if (p !== 'custom') {
      const period = presetPeriod(p, new Date());
      setFrom(period.from);
      setTo(period.to);
    }
  }

  function submit(e: FormEvent): void {
    e.preventDefault();
    const bad: typeof invalid = {};
    if (!isIsoDate(from)) bad.from = 'Enter the first day as YYYY-MM-DD, e.g. 2027-01-01.';
    if (!isIsoDate(to)) bad.to = 'Enter the last day as YYYY-MM-DD, e.g. 2027-12-31.';
    else if (isIsoDate(from) && from > to) bad.to = 'The last day is before the first day.';
    if (!destination.trim()) bad.destination = 'Enter a folder (the bundle is named after the time) or a .zip path.';
    setInvalid(bad);
    if (Object.keys(bad).length > 0) return;
    void stores.evidence.getState().exportBundle({
      from: `${from}T00:00:00.000Z`,
      to: `${to}T23:59:59.999Z`,
      guestIds: chosen,
      destination: destination.trim(),
      ...(organisation.trim() ? { organisation: organisation.trim() } : {}),
    });
  }

  const dateField = (id: 'from' | 'to', label: string, value: string, set: (v: string) => void) => (
    <div className="field">
      <label htmlFor={`evidence-${id}`}>{label}</label>
      <input
        id={`evidence-${id}`}
        className="mono date-input"
        inputMode="numeric"
        placeholder="YYYY-MM-DD"
        required
        aria-required
        value={value}
        aria-invalid={invalid[id] ? true : undefined}
        aria-describedby={invalid[id] ? `evidence-${id}-err` : undefined}
        onChange={(e) => {
          setPreset('custom');
          set(e.target.value.trim());
        }}
      />
      {invalid[id] ? (
        <p className="field-error" id={`evidence-${id}-err`}>
          {invalid[id]}
        </p>
      ) : null}
    </div>
  );

  const electron = stores.client.mode === 'electron';
  return (
    <section className="screen" aria-labelledby="evidence-title">
      <header className="screen-header">
        <h1 id="evidence-title">Evidence</h1>
      </header>
      <form className="form card" onSubmit={submit} aria-label="Export evidence" noValidate>
        <p className="hint">
          A signed bundle of the period&apos;s attestations, their reports, the trust material and the audit chain,
          which an auditor re-verifies offline.
        </p>
        <fieldset>
          <legend>Period (UTC, both days included)</legend>
          <div className="chips" role="group" aria-label="Period presets">
            {PRESETS.map((p) => (
              <button
                key={p.id}
                type="button"
                className="chip"
                aria-pressed={preset === p.id}
                onClick={() => choose(p.id)}
              >
                {p.title}
              </button>
            ))}
          </div>
          <div className="row">
            {dateField('from', 'From', from, setFrom)}
            {dateField('to', 'To', to, setTo)}
          </div>
        </fieldset>
        <fieldset>
          <legend>Guests (none selected = all)</legend>
          {guests.length === 0 ? <p className="hint">No guests yet.</p> : null}
          {guests.map((g) => (
            <label key={g.id} className="check">
              <input
                type="checkbox"
                checked={chosen.includes(g.id)}
                onChange={() => setChosen((s) => (s.includes(g.id) ? s.filter((x) => x !== g.id) : [...s, g.id]))}
              />
              {g.name}
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor="evidence-organisation">Organisation (shown on the report&apos;s cover)</label>
          <input
            id="evidence-organisation"
            value={organisation}
            placeholder="e.g. Example Bank, Security Office"
            onChange={(e) => setTypedOrganisation(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="evidence-destination">
            Destination folder <span className="required">*</span>
          </label>
          <input
            id="evidence-destination"
            required
            aria-required
            value={destination}
            placeholder="/home/me/evidence"
            aria-invalid={invalid.destination ? true : undefined}
            aria-describedby={invalid.destination ? 'evidence-destination-err' : undefined}
            onChange={(e) => setDestination(e.target.value)}
          />
          {invalid.destination ? (
            <p className="field-error" id="evidence-destination-err">
              {invalid.destination}
            </p>
          ) : null}
        </div>
        <div className="actions">
          {running ? (
            <button type="button" className="danger" onClick={() => void stores.evidence.getState().cancel()}>
              Cancel export
            </button>
          ) : null}
          <button type="submit" className="primary" disabled={running !== undefined}>
            Export
          </button>
        </div>
      </form>
      {defaults && !result ? (
        <div className="card export-key">
          <p>
            Bundles are signed with the workstation key{' '}
            <HashText value={defaults.publicKeyFingerprint} label="signing key fingerprint" />; its public key (for the
            auditor) is <HashText value={defaults.publicKeyPath} label="public key location" />.
          </p>
          <p>
            The auditor verifies a bundle with <HashText value={defaults.verifyCommand} label="verify command" />
          </p>
        </div>
      ) : null}
      {running ? (
        <p role="status">Exporting… {running.total > 0 ? `${running.done} of ${running.total}` : ''}</p>
      ) : null}
      {error ? (
        <p role="alert" className="error-box">
          {error}
        </p>
      ) : null}
      {result ? (
        <div role="status" className="card export-result">
          <p>
            Wrote <span className="mono">{result.attestationCount}</span> attestations to{' '}
            <span className="mono wrap">{result.path}</span>
          </p>
          <p>
            SHA-256 <HashText value={result.sha256Hex} label="bundle SHA-256" short />
          </p>
          {result.publicKeyPath ? (
            <p>
              The workstation&apos;s public key (give it to the auditor with the bundle):{' '}
              <HashText value={result.publicKeyPath} label="public key location" />
            </p>
          ) : null}
          <p>
            Signed by the workstation key <HashText value={result.fingerprint} label="signing key fingerprint" />
          </p>
          <p>The auditor verifies it offline, anywhere, with:</p>
          <p>
            <HashText value={result.verifyCommand} label="verify command" />
          </p>
          {electron ? (
            <button type="button" onClick={() => void stores.evidence.getState().reveal(result.path)}>
              Open folder
            </button>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
