// The debugger's prompt and what to capture, with Run / Stop.

import type { RunOptions } from '../lib/debugRequest';
import { AttachImagesButton, ImageThumbs } from './ImageThumbs';
import type { Attachments } from './useAttachments';

const ROUTER_TITLE = 'Mixture-of-experts models: the experts each layer sends every token to';
const PROMPT_MAP_TITLE = 'The attention of every prompt token over the ones before it (all layers and heads)';

interface Props {
  options: RunOptions;
  onChange: (o: RunOptions) => void;
  running: boolean;
  /** Run needs an open connection. */
  canRun: boolean;
  onRun: () => void;
  onStop: () => void;
  /** Images to send with the prompt (a vision model). */
  attachments?: Attachments;
}

export function DebugForm({ options: o, onChange, running, canRun, onRun, onStop, attachments }: Props) {
  const check = (key: 'chat' | 'attention' | 'promptMap' | 'lens' | 'router', label: string, title?: string) => (
    <label className="check" title={title}>
      <input type="checkbox" checked={o[key]} onChange={(e) => onChange({ ...o, [key]: e.target.checked })} /> {label}
    </label>
  );
  return (
    <form
      className="debug-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (running) onStop();
        else onRun();
      }}
    >
      <label htmlFor="debug-prompt" className="sr-only">
        Prompt to debug
      </label>
      <textarea
        id="debug-prompt"
        rows={2}
        value={o.prompt}
        onChange={(e) => onChange({ ...o, prompt: e.target.value })}
      />
      {attachments && (
        <>
          <ImageThumbs images={attachments.attachments} onRemove={attachments.remove} />
          {attachments.errors.map((err) => (
            <div key={err} className="error attach-error" role="alert">
              {err}
            </div>
          ))}
        </>
      )}
      <div className="row-actions">
        {attachments && (
          <AttachImagesButton
            label="Image…"
            inputLabel="Attach an image to debug"
            onFiles={(files) => void attachments.add(files)}
          />
        )}
        {check('chat', 'Chat template')}
        {check('attention', 'Attention')}
        {check('promptMap', 'Prompt map', PROMPT_MAP_TITLE)}
        {check('lens', 'Logit lens')}
        {check('router', 'Experts', ROUTER_TITLE)}
        <span className="spacer" />
        <button type="submit" className={running ? 'stop' : 'primary'} disabled={!canRun}>
          {running ? 'Stop' : 'Run'}
        </button>
      </div>
    </form>
  );
}
