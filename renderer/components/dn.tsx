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

/** Distinguished names inside a message (`… (C=US, O=…, CN=…)`), found to show them short. */
const DN_IN_TEXT =
  /(?:\b(?:C|CN|O|OU|ST|L|E|DC|SERIALNUMBER)=[^,()]*?(?:,\s*(?=(?:C|CN|O|OU|ST|L|E|DC|SERIALNUMBER)=)|(?=[)]|$)))+/g;

/** A message whose distinguished names are shown short, each with its full name on demand. */
export function TextWithNames({ text }: { text: string }) {
  const parts: (string | { dn: string })[] = [];
  let last = 0;
  for (const m of text.matchAll(DN_IN_TEXT)) {
    if (m.index === undefined || !m[0].includes(',')) continue;
    parts.push(text.slice(last, m.index), { dn: m[0].trim() });
    last = m.index + m[0].length;
  }
  parts.push(text.slice(last));
  return <>{parts.map((p, i) => (typeof p === 'string' ? p : <DistinguishedName key={i} dn={p.dn} />))}</>;
}
