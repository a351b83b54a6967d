// @jsxRuntime automatic
/** Guests: the fleet at a glance — status, last attestation, HKD/CRL health; search, filter, batch attest. */
import { useEffect, useMemo, useState } from 'react';
import { useStore } from 'zustand';
import { GUEST_STATUSES, type GuestStatus } from '../../shared/types/ui.js';
import { EmptyState } from '../components/empty-state.js';
import { formatAge, formatDateTime } from '../components/format.js';
import { HealthBadge, StatusBadge } from '../components/status-badge.js';
import { countByStatus, selectVisibleGuests } from '../state/guests-store.js';
import { useStores } from '../state/stores.js';
import { GuestForm } from './guest-form.js';

/** The guests screen. */
export function GuestsView() {
  const stores = useStores();
  const guests = useStore(stores.guests, (s) => s.guests);
  const loaded = useStore(stores.guests, (s) => s.loaded);
  const error = useStore(stores.guests, (s) => s.error);
  const search = useStore(stores.guests, (s) => s.search);
  const statusFilter = useStore(stores.guests, (s) => s.statusFilter);
  const selected = useStore(stores.guests, (s) => s.selected);
  const trustItems = useStore(stores.trust, (s) => s.items);
  const running = useStore(stores.attest, (s) => s.current?.status === 'running');
  const [adding, setAdding] = useState(false);
  const visible = useMemo(() => selectVisibleGuests({ guests, search, statusFilter }), [guests, search, statusFilter]);
  const counts = useMemo(() => countByStatus(guests), [guests]);
  const hkds = useMemo(() => trustItems.filter((t) => t.kind === 'hkd'), [trustItems]);
  const g = stores.guests.getState();

  useEffect(() => {
    void stores.guests.getState().load();
    void stores.trust.getState().load();
  }, [stores]);

  function attest(ids: string[]): void {
    stores.ui.getState().navigate({ name: 'attest' });
    void stores.attest.getState().start(ids);
  }

  const allVisibleSelected = visible.length > 0 && visible.every((v) => selected.includes(v.id));

  return (
    <section className="screen" aria-labelledby="guests-title">
      <header className="screen-header">
        <h1 id="guests-title">Guests</h1>
        <div className="toolbar">
          <button type="button" className="primary" onClick={() => setAdding(true)}>
            Add guest
          </button>
          <button type="button" disabled={selected.length === 0 || running} onClick={() => attest(selected)}>
            Attest selected ({selected.length})
          </button>
        </div>
      </header>
      <p className="summary" aria-label="Status summary">
        {GUEST_STATUSES.map((s) => (
          <span key={s} className="summary-item">
            <StatusBadge status={s} /> <span className="mono">{counts[s]}</span>
          </span>
        ))}
      </p>
      <div className="filters">
        <label>
          Search
          <input
            type="search"
            value={search}
            placeholder="name or host"
            onChange={(e) => g.setSearch(e.target.value)}
          />
        </label>
        <label>
          Status
          <select value={statusFilter} onChange={(e) => g.setStatusFilter(e.target.value as GuestStatus | 'all')}>
            <option value="all">All</option>
            {GUEST_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error ? (
        <p role="alert" className="error-box">
          {error}
        </p>
      ) : null}
      {loaded && guests.length === 0 ? (
        <EmptyState title="No guests yet">
          <ol>
            <li>
              Import the host-key documents and CRLs on the{' '}
              <button type="button" className="link" onClick={() => stores.ui.getState().navigate({ name: 'trust' })}>
                Trust
              </button>{' '}
              screen.
            </li>
            <li>Add a guest: its SSH target and its SE header.</li>
            <li>Attest it and watch each step.</li>
          </ol>
        </EmptyState>
      ) : (
        <table className="table" aria-label="Guests">
          <thead>
            <tr>
              <th scope="col">
                <input
                  type="checkbox"
                  aria-label="Select all shown guests"
                  checked={allVisibleSelected}
                  onChange={() => g.setSelected(allVisibleSelected ? [] : visible.map((v) => v.id))}
                />
              </th>
              <th scope="col">Name</th>
              <th scope="col">SSH target</th>
              <th scope="col">Status</th>
              <th scope="col">Last attestation</th>
              <th scope="col">HKD</th>
              <th scope="col">CRL</th>
              <th scope="col">Trust expires</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {visible.map((guest) => (
              <tr key={guest.id} data-guest={guest.name} data-status={guest.status}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Select ${guest.name}`}
                    checked={selected.includes(guest.id)}
                    onChange={() => g.toggleSelected(guest.id)}
                  />
                </td>
                <td>
                  <button
                    type="button"
                    className="link"
                    onClick={() => stores.ui.getState().navigate({ name: 'guest', guestId: guest.id })}
                  >
                    {guest.name}
                  </button>
                </td>
                <td className="mono">{guest.sshTarget}</td>
                <td>
                  <StatusBadge status={guest.status} />
                </td>
                <td title={formatDateTime(guest.lastAttestation?.at)}>{formatAge(guest.lastAttestation?.at)}</td>
                <td>
                  <HealthBadge health={guest.hkdHealth} label="HKD" />
                </td>
                <td>
                  <HealthBadge health={guest.crlHealth} label="CRL" />
                </td>
                <td className="mono">{guest.trustExpiresAt ? guest.trustExpiresAt.slice(0, 10) : '\u2014'}</td>
                <td>
                  <button
                    type="button"
                    disabled={running}
                    aria-label={`Attest ${guest.name}`}
                    onClick={() => attest([guest.id])}
                  >
                    Attest
                  </button>
                </td>
              </tr>
            ))}
            {visible.length === 0 && guests.length > 0 ? (
              <tr>
                <td colSpan={9}>No guest matches the search or filter.</td>
              </tr>
            ) : null}
          </tbody>
        </table>
      )}
      {adding ? (
        <GuestForm title="Add guest" hkds={hkds} onSubmit={(input) => g.add(input)} onClose={() => setAdding(false)} />
      ) : null}
    </section>
  );
}
