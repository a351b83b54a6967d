// @jsxRuntime automatic
/** A distinguished name shown by its CN and OU, with the full DN one click away. */
import { useId, useState } from 'react';
import { parseDn, shortDn } from './format.js';

/** Props of DistinguishedName. */
export interface DnProps {
  dn: string;
  /** Shown after the name, e.g. the serial number. */
  extra?: string;
}

/** Short name with an expandable full DN. */
export function DistinguishedName({ dn, extra }: DnProps) {
  const [open, setOpen] = useState(false);
  const id = useId();
  const short = shortDn(dn);
  const expandable = short !== dn;
  return (
    <span className="dn">
      <span className="dn-short">{short}</span>
      {extra ? <span className="hint"> {extra}</span> : null}
      {expandable ? (
        <>
          {' '}
          <button
            type="button"
            className="link small"
            aria-expanded={open}
            aria-controls={id}
            onClick={() => setOpen((o) => !o)}
          >
            {open ? 'Hide full name' : 'Full name'}
          </button>
          {open ? (
            <span id={id} className="dn-full mono">
              {parseDn(dn)
                .map((a) => `${a.key}=${a.value}`)
                .join(', ')}
            </span>
          ) : null}
        </>
      ) : null}
    </span>
  );
}
