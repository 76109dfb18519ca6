// The selected step of a debugger session: the alternatives with Branch, the attention
// heatmap (or the prompt map) and the logit lens at its position.

import type { TokenMsg } from '../api/debugger';
import { attentionChoices, type DebugSession } from '../lib/debugState';
import { formatProb, probBucket, visibleToken } from '../lib/probability';
import { AttentionPanel } from './DebugAttention';
import { DraftNote } from './DebugDraft';

/** Which head the attention panel shows; kept by the view across selections. */
export interface HeadView {
  layer: number;
  head: number;
  showMap: boolean;
}

interface Props {
  session: DebugSession;
  tok: TokenMsg;
  canBranch: boolean;
  onBranch: (tok: TokenMsg, alt: number) => void;
  view: HeadView;
  onView: (v: HeadView) => void;
}

export function StepInspector({ session, tok, canBranch, onBranch, view, onView }: Props) {
  const heads = session.attention[tok.position];
  const choices = attentionChoices(session, view.layer);
  return (
    <div className="inspector">
      <Alternatives tok={tok} canBranch={canBranch} onBranch={onBranch} />
      {((heads && heads.length > 0) || session.promptMap) && (
        <AttentionPanel
          session={session}
          layers={choices.layers}
          heads={choices.heads}
          layer={view.layer}
          head={view.head}
          onLayer={(layer) => onView({ ...view, layer })}
          onHead={(head) => onView({ ...view, head })}
          showMap={view.showMap && !!session.promptMap}
          onShowMap={(showMap) => onView({ ...view, showMap })}
          selectedPosition={tok.position}
        />
      )}
      {session.lens[tok.position] && <LensGrid layers={session.lens[tok.position]!} chosen={tok.id} />}
    </div>
  );
}

interface AlternativesProps {
  tok: TokenMsg;
  canBranch: boolean;
  onBranch: (tok: TokenMsg, alt: number) => void;
}

function Alternatives({ tok, canBranch, onBranch }: AlternativesProps) {
  return (
    <figure className="topk" aria-label={`Alternatives at step ${tok.index}`}>
      <figcaption>
        Step {tok.index} (position {tok.position}): chose <code className="tok-inline">{visibleToken(tok.text)}</code>{' '}
        with {formatProb(tok.prob ?? 0)}
        {tok.entropy != null ? `, entropy ${tok.entropy.toFixed(2)} nats` : ''}. Branch to try another token here.
      </figcaption>
      <DraftNote tok={tok} />
      <ol className="topk-bars">
        {(tok.top ?? []).map((t) => (
          <li
            key={t.id}
            className={t.id === tok.id ? 'chosen' : tok.draft === 'rejected' && t.id === tok.draft_id ? 'drafted' : undefined}
            data-testid="debug-topk-row"
          >
            <span className="topk-token">{visibleToken(t.text)}</span>
            <span className="topk-track">
              <span className="topk-bar" style={{ width: `${Math.max((t.prob ?? 0) * 100, 0.5)}%` }} />
            </span>
            <span className="topk-prob">{formatProb(t.prob ?? 0)}</span>
            <button
              type="button"
              className="link"
              disabled={t.id === tok.id || !canBranch}
              onClick={() => onBranch(tok, t.id)}
              aria-label={`Branch with ${JSON.stringify(t.text)}`}
            >
              Branch
            </button>
          </li>
        ))}
      </ol>
    </figure>
  );
}

function LensGrid({ layers, chosen }: { layers: { layer: number; entropy?: number | null; top: { id: number; text: string; prob?: number | null }[] }[]; chosen: number }) {
  return (
    <figure className="lens" aria-label="Logit lens">
      <figcaption>Logit lens: what each layer would predict here (top tokens, chosen one outlined)</figcaption>
      <table data-testid="lens-grid">
        <thead>
          <tr>
            <th scope="col">Layer</th>
            <th scope="col">Top tokens</th>
          </tr>
        </thead>
        <tbody>
          {layers.map((l) => (
            <tr key={l.layer}>
              <th scope="row">{l.layer}</th>
              <td>
                {l.top.slice(0, 6).map((t) => (
                  <span
                    key={t.id}
                    className={`tok p${probBucket(t.prob ?? 0)}${t.id === chosen ? ' selected' : ''}`}
                    title={formatProb(t.prob ?? 0)}
                  >
                    {visibleToken(t.text)}
                  </span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
