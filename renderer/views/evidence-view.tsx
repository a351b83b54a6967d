// @jsxRuntime automatic
/** Evidence: the export dialog (period, guests, destination) with progress and cancellation. */
import { useEffect, useState, type FormEvent } from 'react';
import { useStore } from 'zustand';
import { HashText } from '../components/hash-text.js';
import { useStores } from '../state/stores.js';

function isoDay(offsetDays: number): string {
  return new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

/** The evidence screen. */
export function EvidenceView() {
  const stores = useStores();
  const guests = useStore(stores.guests, (s) => s.guests);
  const running = useStore(stores.evidence, (s) => s.running);
  const result = useStore(stores.evidence, (s) => s.result);
  const error = useStore(stores.evidence, (s) => s.error);
  const [from, setFrom] = useState(isoDay(-30));
  const [to, setTo] = useState(isoDay(0));
  const [chosen, setChosen] = useState<string[]>([]);
  const [destination, setDestination] = useState('');
  useEffect(() => {
    void stores.guests.getState().load();
  }, [stores]);

  function submit(e: FormEvent): void {
    e.preventDefault();
    void stores.evidence.getState().exportBundle({
      from: `${from}T00:00:00.000Z`,
      to: `${to}T23:59:59.999Z`,
      guestIds: chosen,
      destination: destination.trim(),
    });
  }

  return (
    <section className="screen" aria-labelledby="evidence-title">
      <header className="screen-header">
        <h1 id="evidence-title">Evidence</h1>
      </header>
      <form className="form card" onSubmit={submit} aria-label="Export evidence">
        <p className="hint">
          Export a signed bundle of attestation records, their reports and the audit chain for an auditor.
        </p>
        <div className="row">
          <label>
            From
            <input type="date" required value={from} onChange={(e) => setFrom(e.target.value)} />
          </label>
          <label>
            To
            <input type="date" required value={to} onChange={(e) => setTo(e.target.value)} />
          </label>
        </div>
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
        <label>
          Destination folder
          <input
            required
            value={destination}
            placeholder="/home/me/evidence"
            onChange={(e) => setDestination(e.target.value)}
          />
        </label>
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
      {running ? (
        <p role="status">Exporting… {running.total > 0 ? `${running.done} of ${running.total}` : ''}</p>
      ) : null}
      {error ? (
        <p role="alert" className="error-box">
          {error}
        </p>
      ) : null}
      {result ? (
        <div role="status" className="card">
          <p>
            Wrote <span className="mono">{result.attestationCount}</span> attestations to{' '}
            <span className="mono">{result.path}</span>
          </p>
          <p>
            SHA-256 <HashText value={result.sha256Hex} label="bundle SHA-256" />
          </p>
        </div>
      ) : null}
    </section>
  );
}
