// A small per-step bar chart (surprisal, KL): one bar per token position, click to select.

interface Props {
  values: (number | undefined)[];
  label: string;
  unit: string;
  selected: number | null;
  onSelect: (i: number) => void;
  /** Positions drawn with a marker (e.g. where two generations part). */
  mark?: number;
  height?: number;
}

export function StepChart({ values, label, unit, selected, onSelect, mark, height = 44 }: Props) {
  const finite = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  const max = Math.max(1e-6, ...finite);
  const n = Math.max(values.length, 1);
  return (
    <figure className="step-chart" aria-label={label}>
      <figcaption>
        {label} <span className="muted">(max {max.toFixed(2)} {unit})</span>
      </figcaption>
      <svg viewBox={`0 0 ${n} ${height}`} preserveAspectRatio="none" height={height} role="img" aria-label={label}>
        {mark !== undefined && mark >= 0 && (
          <rect className="mark" x={mark} y={0} width={1} height={height} />
        )}
        {values.map((v, i) => {
          const h = v === undefined ? 0 : Number.isFinite(v) ? Math.max(1, (v / max) * (height - 2)) : height;
          return (
            <g key={i} onClick={() => onSelect(i)} className={selected === i ? 'sel' : undefined}>
              <rect className="hit" x={i} y={0} width={1} height={height}>
                <title>
                  #{i}: {v === undefined ? '—' : `${v.toFixed(3)} ${unit}`}
                </title>
              </rect>
              {v !== undefined && <rect className="bar" x={i + 0.1} y={height - h} width={0.8} height={h} />}
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
