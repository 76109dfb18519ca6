// The pieces of the Compare view's result: one side's tokens, the selected step's figures
// and alternatives, and the table of every step the server compared.

import { asTokenLogprob, formatNats, type CompareRun, type CompareSide } from '../lib/compare';
import { formatProb, probBucket, visibleToken } from '../lib/probability';
import { TopKChart } from './TokenView';

export function CompareColumn(props: {
  side: CompareSide;
  which: 'a' | 'b';
  divergence: number;
  selected: number | null;
  onSelect: (i: number) => void;
}) {
  const { side, which, divergence, selected, onSelect } = props;
  return (
    <div className="compare-col" data-testid={`compare-${which}`}>
      <h3>{side.model || 'default model'}</h3>
      {side.error && (
        <div className="error" role="alert">
          {side.error}
        </div>
      )}
      <div className="token-strip" role="list" aria-label={`Tokens from ${side.model}`}>
        {side.tokens.map((t, i) => {
          if (!t) return null;
          const after = divergence >= 0 && i > divergence;
          return (
            <button
              type="button"
              role="listitem"
              key={i}
              className={`tok p${probBucket(t.prob ?? 0)}${i === divergence ? ' diverge' : ''}${after ? ' after' : ''}${selected === i ? ' selected' : ''}`}
              title={`#${i} · ${formatProb(t.prob ?? 0)}`}
              onClick={() => onSelect(i)}
            >
              {visibleToken(t.text)}
            </button>
          );
        })}
      </div>
    </div>
  );
}

/** The selected step: the server's figures for it, and each side's alternatives. */
export function CompareStepDetail({ run, index }: { run: CompareRun; index: number }) {
  const step = run.steps.find((s) => s.index === index);
  const [a, b] = [run.sides[0].tokens[index], run.sides[1].tokens[index]];
  return (
    <>
      {step && (
        <p className="small" data-testid="compare-step-detail">
          Step {index}: KL(A‖B) {formatNats(step.klAB)} nats, KL(B‖A) {formatNats(step.klBA)} nats; the most likely
          tokens {step.top1Agree ? 'agree' : 'differ'}
          {step.samePrefix ? '.' : ' (after the outputs parted: the two contexts differ).'}
        </p>
      )}
      <div className="compare-cols">
        <div className="compare-col">{a && <TopKChart step={asTokenLogprob(a)} position={index} />}</div>
        <div className="compare-col">{b && <TopKChart step={asTokenLogprob(b)} position={index} />}</div>
      </div>
    </>
  );
}

/** Every step both sides made, with the server's figures; a row click selects the step. */
export function CompareStepTable(props: { run: CompareRun; selected: number | null; onSelect: (i: number) => void }) {
  const { run, selected, onSelect } = props;
  const text = (side: 0 | 1, i: number) => {
    const t = run.sides[side].tokens[i];
    return t ? visibleToken(t.text) : '';
  };
  return (
    <details className="compare-steps" open>
      <summary>Every step ({run.steps.length})</summary>
      <div className="table-wrap compare-steps-scroll">
        <table className="bench-table" data-testid="compare-steps">
          <caption className="muted small">
            {run.method === 'teacher_forcing'
              ? "KL divergence in nats over the top tokens either side lists plus the rest of each distribution, as the server computed it; both sides read A's text, and each column shows the side's most likely token at that step."
              : 'KL divergence in nats over the full vocabulary, from the raw logits (temperature 1), as the server computed it. After the outputs part, the two sides continue different texts.'}
          </caption>
          <thead>
            <tr>
              <th className="num">Step</th>
              <th>A</th>
              <th>B</th>
              <th className="num">KL(A‖B) nats</th>
              <th className="num">KL(B‖A) nats</th>
              <th>Top-1</th>
            </tr>
          </thead>
          <tbody>
            {run.steps.map((s) => (
              <tr
                key={s.index}
                className={`${s.samePrefix ? '' : 'after'}${selected === s.index ? ' selected' : ''}`}
                onClick={() => onSelect(s.index)}
              >
                <td className="num">{s.index}</td>
                <td>
                  <code className="tok-inline">{text(0, s.index)}</code>
                </td>
                <td>
                  <code className="tok-inline">{text(1, s.index)}</code>
                </td>
                <td className="num">{formatNats(s.klAB)}</td>
                <td className="num">{formatNats(s.klBA)}</td>
                <td>{s.top1Agree ? 'same' : 'differs'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
