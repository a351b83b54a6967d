// @jsxRuntime automatic
/**
 * Guests: the fleet at a glance — status, the last attestation (and, for a failing guest, why: outcome, reason
 * and code), trust material health; sortable columns, summary chips that filter, search, batch attest.
 */
import { useEffect, useMemo, useState } from 'react';
import { useStore } from 'zustand';
import { GUEST_STATUSES, type GuestStatus, type GuestSummary } from '../../shared/types/ui.js';
import { isVerifiedOutcome } from '../../shared/types/verdict.js';
import { EmptyState } from '../components/empty-state.js';
import { formatAge, formatDate, formatDateTime } from '../components/format.js';
import { outcomeOf } from '../components/outcome.js';
import { HealthBadge, OutcomeBadge } from '../components/status-badge.js';
import { describeCode } from '../state/errors.js';
import { countByStatus, selectVisibleGuests, type GuestSortKey } from '../state/guests-store.js';
import { hrefOf } from '../state/router.js';
import { useStores } from '../state/stores.js';
import { GuestForm } from './guest-form.js';

const STATUS_CHIP: Record<GuestStatus, string> = {
  verified: 'Verified',
  stale: 'Stale',
  failing: 'Failing',
  never: 'Never attested',
};

/** The "last attestation" cell: when, the outcome, and why a guest that did not verify failed. */
export function LastAttestationCell({ guest }: { guest: GuestSummary }) {
  const last = guest.lastAttestation;
  if (!last) return <span className="hint">never</span>;
  const outcome = outcomeOf(last);
  return (
    <div className="last-cell">
      <a href={hrefOf({ name: 'attestation', attestationId: last.id })} title={formatDateTime(last.at)}>
        {formatAge(last.at)}
      </a>{' '}
      <OutcomeBadge outcome={outcome} />
      {!isVerifiedOutcome(outcome) ? (
        <div className="why" data-why={guest.name}>
          <span className="why-text" title={last.reason ?? describeCode(last.reasonCode)}>
            {describeCode(last.reasonCode, last.reason)}
          </span>{' '}
          {last.reasonCode ? <code className="code">{last.reasonCode}</code> : null}
        </div>
      ) : null}
    </div>
  );
}

/** The trust cell: a missing HKD or chain in red with a link to the Trust screen, else the health badges. */
export function TrustCell({ guest }: { guest: GuestSummary }) {
  if (guest.trustIssue) {
    return (
      <div className="trust-issue" data-trust-issue={guest.trustIssue.kind}>
        <span className="badge badge-failing">{guest.trustIssue.kind === 'chain' ? 'Chain' : 'HKD missing'}</span>{' '}
        <span className="why-text">{guest.trustIssue.message}.</span>{' '}
        <a href={hrefOf({ name: 'trust' })}>Fix on Trust</a>
      </div>
    );
  }
  return (
    <div>
      <span className="nowrap">
        HKD <HealthBadge health={guest.hkdHealth} label="HKD" />
      </span>{' '}
      <span className="nowrap">
        CRL <HealthBadge health={guest.crlHealth} label="CRL" />
      </span>
      {guest.trustExpiresAt ? (
        <div className="hint nowrap">
          until <span className="mono">{formatDate(guest.trustExpiresAt)}</span>
        </div>
      ) : null}
    </div>
  );
}

/** The guests screen. */
export function GuestsView() {
  const stores = useStores();
  const guests = useStore(stores.guests, (s) => s.guests);
  const loaded = useStore(stores.guests, (s) => s.loaded);
  const error = useStore(stores.guests, (s) => s.error);
  const search = useStore(stores.guests, (s) => s.search);
  const statusFilter = useStore(stores.guests, (s) => s.statusFilter);
  const sort = useStore(stores.guests, (s) => s.sort);
  const selected = useStore(stores.guests, (s) => s.selected);
  const trustItems = useStore(stores.trust, (s) => s.items);
  const running = useStore(stores.attest, (s) => s.current?.status === 'running');
  const [adding, setAdding] = useState(false);
  const visible = useMemo(
    () => selectVisibleGuests({ guests, search, statusFilter, sort }),
    [guests, search, statusFilter, sort],
  );
  const counts = useMemo(() => countByStatus(guests), [guests]);
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
  const header = (key: GuestSortKey, title: string) => {
    const current = sort.key === key;
    return (
      <th scope="col" aria-sort={current ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
        <button type="button" className="sort" onClick={() => g.sortBy(key)}>
          {title}
          <span className="sort-mark" aria-hidden="true">
            {current ? (sort.dir === 'asc' ? '\u25b2' : '\u25bc') : '\u2195'}
          </span>
        </button>
      </th>
    );
  };

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
      <div className="summary" role="group" aria-label="Filter by status">
        <button
          type="button"
          className="chip"
          aria-pressed={statusFilter === 'all'}
          onClick={() => g.setStatusFilter('all')}
        >
          All <span className="mono">{guests.length}</span>
        </button>
        {GUEST_STATUSES.map((s) => (
          <button
            key={s}
            type="button"
            className={`chip chip-${s}`}
            data-chip={s}
            aria-pressed={statusFilter === s}
            onClick={() => g.setStatusFilter(statusFilter === s ? 'all' : s)}
          >
            {STATUS_CHIP[s]} <span className="mono">{counts[s]}</span>
          </button>
        ))}
        <label className="search">
          <span className="sr-only">Search guests</span>
          <input
            type="search"
            value={search}
            placeholder="Search name or host"
            onChange={(e) => g.setSearch(e.target.value)}
          />
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
              Import the host-key documents and CRLs on the <a href={hrefOf({ name: 'trust' })}>Trust</a> screen.
            </li>
            <li>Add a guest: its SSH target and its SE header.</li>
            <li>Attest it and watch each step.</li>
          </ol>
        </EmptyState>
      ) : (
        <table className="table guests-table" aria-label="Guests">
          <thead>
            <tr>
              <th scope="col" className="col-check">
                <input
                  type="checkbox"
                  aria-label="Select all shown guests"
                  checked={allVisibleSelected}
                  onChange={() => g.setSelected(allVisibleSelected ? [] : visible.map((v) => v.id))}
                />
              </th>
              {header('name', 'Name')}
              {header('target', 'SSH target')}
              {header('status', 'Status')}
              {header('last', 'Last attestation')}
              {header('expires', 'Trust')}
              <th scope="col" className="col-action">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {visible.map((guest) => (
              <tr key={guest.id} data-guest={guest.name} data-status={guest.status}>
                <td className="col-check">
                  <input
                    type="checkbox"
                    aria-label={`Select ${guest.name}`}
                    checked={selected.includes(guest.id)}
                    onChange={() => g.toggleSelected(guest.id)}
                  />
                </td>
                <td>
                  <a className="guest-link" href={hrefOf({ name: 'guest', guestId: guest.id })}>
                    {guest.name}
                  </a>
                </td>
                <td className="mono nowrap">{guest.sshTarget}</td>
                <td>
                  <span className={`badge badge-${guest.status}`} data-status={guest.status}>
                    {STATUS_CHIP[guest.status]}
                  </span>
                </td>
                <td>
                  <LastAttestationCell guest={guest} />
                </td>
                <td>
                  <TrustCell guest={guest} />
                </td>
                <td className="col-action">
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
                <td colSpan={7}>No guest matches the search or filter.</td>
              </tr>
            ) : null}
          </tbody>
        </table>
      )}
      {adding ? (
        <GuestForm
          title="Add guest"
          hkds={trustItems.filter((t) => t.kind === 'hkd')}
          onSubmit={(input) => g.add(input)}
          onSaved={(saved) => {
            stores.ui.getState().notify('info', `Guest ${saved.name} saved`);
          }}
          onClose={() => setAdding(false)}
        />
      ) : null}
    </section>
  );
}
