// The live token debugger over the WebSocket protocol: every generated token with its
// probability, entropy over the sequence, the alternatives at a step (and branching from
// one of them), attention and logit-lens probes for the selected position, the experts an MoE
// model routes each token to, and the tree of branches.

import { useRef, useState } from 'react';
import { visionProblem } from '../lib/images';
import { DEFAULT_RUN_OPTIONS, startRequest, type RunOptions } from '../lib/debugRequest';
import type { DebugSession } from '../lib/debugState';
import type { Settings } from '../lib/settings';
import { DebugForm } from './DebugForm';
import { StepInspector, type HeadView } from './DebugInspector';
import { RouterPanel } from './DebugRouter';
import { DebugSessions } from './DebugSessions';
import { GeneratedTokens, PromptTokens } from './DebugTokens';
import { ImageHeatmap } from './ImageHeatmap';
import { useAttachments } from './useAttachments';
import { PluginPanels } from './PluginPanels';
import { newSessionLabel, useDebugger, useSavedSessions, type ConnState } from './useDebugger';

interface Props {
  model: string;
  /** The endpoint's name when the model is a remote one (its insides are out of reach). */
  remoteEndpoint?: string;
  system: string;
  settings: Settings;
  /** The model's capabilities (/v1/models): "vision" lets images be attached. */
  capabilities?: string[];
}

/** The pictures a session was started with: its own run's, else its parent's (a branch). */
function sessionImages(s: DebugSession, sessions: Record<string, DebugSession>, sent: Map<string, string[]>): string[] {
  for (let cur: DebugSession | undefined = s; cur; cur = cur.parent ? sessions[cur.parent] : undefined) {
    const urls = cur.imageUrls ?? (cur.clientId ? sent.get(cur.clientId) : undefined);
    if (urls) return urls;
  }
  return [];
}

/** Why the debugger does not run a remote model (docs/scale-out.md). */
export function remoteNotice(model: string, endpoint: string): string {
  return (
    `${model} runs on the remote endpoint '${endpoint}', which answers tokens and their top ` +
    'alternatives only: attention, the logit lens, the MoE router, full logits and branching with ' +
    'KV reuse need the model itself. They are unavailable here; use Chat (its token view shows the ' +
    'remote top_logprobs), or a local GGUF of the model.'
  );
}

/** Downloads a session as JSON: prompt, tokens with their alternatives and probes. */
function exportSession(s: DebugSession) {
  const doc = { format: 'inferno.debug-session', version: 1, session: s };
  const url = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `inferno-debug-${s.id}.json`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function DebuggerView({ model, remoteEndpoint, system, settings, capabilities }: Props) {
  const saved = useSavedSessions();
  const dbg = useDebugger(saved.refresh);
  const [options, setOptions] = useState<RunOptions>(DEFAULT_RUN_OPTIONS);
  const [headView, setHeadView] = useState<HeadView>({ layer: 0, head: 0, showMap: false });
  const [routerLayer, setRouterLayer] = useState(0);
  const attachments = useAttachments(visionProblem(model, capabilities));
  // The images each run of this page sent, by its client id (the protocol echoes positions only).
  const sentImages = useRef(new Map<string, string[]>());
  const { state, conn, session, running, selected } = dbg;

  if (conn === 'unavailable') return <DebuggerUnavailable onRetry={dbg.connect} />;

  const openSaved = (id: string) => void dbg.openStored(id).catch((err: Error) => saved.setError(err.message));
  const tok = selected !== null ? session?.tokens[selected] : undefined;

  return (
    <section className="debugger" aria-label="Debugger">
      <DebugHead conn={conn} session={session} running={running} />
      {dbg.connError && (
        <div className="banner warn" role="alert">
          <span>{dbg.connError}</span>
          <button type="button" className="ghost" onClick={dbg.connect}>
            Reconnect
          </button>
        </div>
      )}
      {state.errors.map((e, i) => (
        <div className="error small" role="alert" key={i}>
          {e}
        </div>
      ))}
      {remoteEndpoint && (
        <div className="banner warn" role="note">
          <span>{remoteNotice(model, remoteEndpoint)}</span>
        </div>
      )}
      <DebugForm
        options={options}
        onChange={setOptions}
        running={running}
        canRun={conn === 'open' && !remoteEndpoint}
        attachments={attachments}
        onRun={() => {
          const id = newSessionLabel();
          const images = attachments.attachments.map((a) => a.url);
          if (images.length) sentImages.current.set(id, images);
          dbg.start(startRequest(id, model, system, settings, { ...options, images }));
        }}
        onStop={dbg.stop}
      />
      {probesStopSpeculation(settings, options) && (
        <p className="muted small" data-testid="spec-probes-note">
          Speculative decoding is off while attention, logit lens or experts are captured: they describe one pass per token.
        </p>
      )}

      <div className="debug-body">
        <DebugSessions
          state={state}
          current={dbg.current ?? undefined}
          onShow={dbg.show}
          saved={saved.saved}
          savedError={saved.error}
          onOpenSaved={openSaved}
        />
        <div className="debug-main">
          {session?.error && (
            <div className="error" role="alert">
              {session.error}
            </div>
          )}
          {session && session.prompt.length > 0 && <PromptTokens session={session} />}
          {session && session.tokens.length > 0 && (
            <GeneratedTokens session={session} selected={selected} onSelect={dbg.setSelected} />
          )}
          {session && tok && (
            <StepInspector
              session={session}
              tok={tok}
              canBranch={conn === 'open' && !running}
              onBranch={dbg.branch}
              view={headView}
              onView={setHeadView}
            />
          )}
          {session?.router && (
            <RouterPanel session={session} layer={routerLayer} onLayer={setRouterLayer} selectedPosition={tok?.position} />
          )}
          {session?.images?.map((image, i) => (
            <ImageHeatmap
              key={`${session.id}-${i}`}
              url={sessionImages(session, state.sessions, sentImages.current)[i]}
              image={image}
              index={i}
              heads={tok ? session.attention[tok.position] : undefined}
              tokenText={tok?.text}
            />
          ))}
          {session && session.tokens.length > 0 && !tok && (
            <p className="muted small">Click a token (or a bar of the chart) to inspect that step.</p>
          )}
          <PluginPanels feed={dbg.feed} run={session ? runInfo(session) : null} />
        </div>
      </div>
    </section>
  );
}

/** What a plugin is told of the run it follows (docs/plugins.md). */
function runInfo(s: DebugSession) {
  return { session: s.id, model: s.model, ...(s.parent ? { parent: s.parent, branch_step: s.branchStep } : {}) };
}

/** Per-token probes run each token in a pass of its own, so the server does not speculate. */
function probesStopSpeculation(settings: Settings, o: RunOptions): boolean {
  const asked = settings.speculation === 'lookup' || settings.speculation === 'draft';
  return asked && (o.attention || o.lens || o.router);
}

function DebugHead({ conn, session, running }: { conn: ConnState; session?: DebugSession; running: boolean }) {
  return (
    <div className="debug-head">
      <h2>Debugger</h2>
      <span className={`conn ${conn}`} role="status">
        {conn === 'open' ? 'connected' : conn}
      </span>
      {session && (
        <span className="muted small" data-testid="debug-status">
          {session.state}
          {session.tokensPerSecond ? ` · ${session.tokensPerSecond.toFixed(1)} tok/s` : ''}
          {` · ${session.tokens.length} tokens`}
          {session.finishReason ? ` · ${session.finishReason}` : ''}
        </span>
      )}
      <span className="spacer" />
      {session && !running && (
        <button type="button" className="link" onClick={() => exportSession(session)}>
          Export session (JSON)
        </button>
      )}
    </div>
  );
}

function DebuggerUnavailable({ onRetry }: { onRetry: () => void }) {
  return (
    <section className="debugger" aria-label="Debugger">
      <h2>Debugger</h2>
      <div className="banner warn" role="alert">
        <span>
          The debugger is not available on this server: its WebSocket endpoint <code>/ws</code> refused the connection.
          Chat and token probabilities work without it; Compare runs on it too.
        </span>
        <button type="button" className="ghost" onClick={onRetry}>
          Retry
        </button>
      </div>
    </section>
  );
}
