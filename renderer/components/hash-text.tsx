// @jsxRuntime automatic
/**
 * A hash, fingerprint or other long value in monospace with a copy button. Shortened values (first 8 … last 8)
 * show the full value on demand: the value itself is a button that expands it (and the tooltip holds it too).
 */
import { useState } from 'react';

/** Props of HashText. */
export interface HashTextProps {
  value: string;
  /** What the value is, for the buttons' accessible names. */
  label: string;
  /** Show shortened (the full value stays one click away and is what gets copied). */
  short?: boolean;
}

/** Monospace value with a copy-to-clipboard button. */
export function HashText({ value, label, short }: HashTextProps) {
  const [copied, setCopied] = useState(false);
  const [full, setFull] = useState(false);
  const shortened = short === true && value.length > 20;
  const shown = shortened && !full ? `${value.slice(0, 8)}\u2026${value.slice(-8)}` : value;
  return (
    <span className="hash">
      {shortened ? (
        <button
          type="button"
          className="hash-toggle mono"
          title={value}
          aria-expanded={full}
          onClick={() => setFull((f) => !f)}
        >
          {shown}
          <span className="sr-only">{full ? ` (shorten the ${label})` : ` (show the full ${label})`}</span>
        </button>
      ) : (
        <code title={value} className="mono">
          {shown || '\u2014'}
        </code>
      )}
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
