// @jsxRuntime automatic
/** What to do first when a screen has nothing to show. */
import type { ReactNode } from 'react';

/** Empty-state panel. */
export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <section className="empty-state" aria-label={title}>
      <h3>{title}</h3>
      {children}
    </section>
  );
}
