// @jsxRuntime automatic
/** A hash or number in monospace with a copy button. */
import { useState } from 'react';

/** Props of HashText. */
export interface HashTextProps {
  value: string;
  /** What the value is, for the copy button's accessible name. */
  label: string;
  /** Show shortened (the full value stays in the title and is what gets copied). */
  short?: boolean;
}

/** Monospace value with a copy-to-clipboard button. */
export function HashText({ value, label, short }: HashTextProps) {
  const [copied, setCopied] = useState(false);
  const shown = short && value.length > 20 ? `${value.slice(0, 8)}\u2026${value.slice(-8)}` : value;
  return (
    <span className="hash">
      <code title={value} className="mono">
        {shown || '\u2014'}
      </code>
      {value ? (
        <button
          type="button"
          className="icon-button"
          aria-label={`Copy ${label}`}
          onClick={() => {
            void navigator.clipboard?.writeText(value).then(
              () => setCopied(true),
              () => setCopied(false),
            );
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
      ) : null}
    </span>
  );
}
