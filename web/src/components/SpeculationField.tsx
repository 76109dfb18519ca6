// The speculative decoding choice of the Settings panel: each chat request and debugger run
// carries it (`"speculation"`). The server says (GET /health) what `auto` means and whether
// it has a draft model; without one, "draft" is not offered.

import { useEffect, useState } from 'react';
import { getHealth } from '../api/client';
import { speculationChoices, type ServerSpeculation, type SpeculationMode } from '../lib/speculation';

const LABELS: Record<SpeculationMode, string> = {
  auto: 'Server default',
  off: 'Off',
  lookup: 'Prompt lookup',
  draft: 'Draft model',
};

interface Props {
  value: SpeculationMode;
  onChange: (m: SpeculationMode) => void;
  /** The server's answer; fetched from /health when not given. */
  server?: ServerSpeculation | null;
}

export function SpeculationField({ value, onChange, server: given }: Props) {
  const [fetched, setFetched] = useState<ServerSpeculation | null>(null);
  useEffect(() => {
    if (given !== undefined) return;
    let live = true;
    getHealth().then(
      (h) => live && setFetched(h.speculation ?? null),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [given]);
  const server = given !== undefined ? given : fetched;
  const choices = speculationChoices(server);
  // A stored "draft" stays visible (and selected) on a server without a draft model.
  const shown = choices.includes(value) ? choices : [...choices, value];
  return (
    <div className="field">
      <label htmlFor="set-speculation">Speculative decoding</label>
      <select id="set-speculation" value={value} onChange={(e) => onChange(e.target.value as SpeculationMode)}>
        {shown.map((m) => (
          <option key={m} value={m}>
            {m === 'auto' && server ? `${LABELS.auto} (${server.mode})` : LABELS[m]}
            {m === 'draft' && !server?.draft_model ? ' (no draft model: runs plain)' : ''}
          </option>
        ))}
      </select>
      <small>Drafts tokens and checks them in one pass; greedy output stays the same</small>
    </div>
  );
}
