// The Debugger's plugin panels: the plugins the server lists, each enabled or not (remembered
// in this browser), and one sandboxed frame per enabled plugin following the session shown.
// The frames run with an opaque origin (sandbox="allow-scripts", no allow-same-origin): they
// cannot read this page, its storage (the API key) or other frames, and the server refuses
// their API calls. Everything they get is posted by PluginFrame; everything they post is
// checked by lib/pluginHost.ts and otherwise ignored.

import { useEffect, useRef, useState } from 'react';
import { listPlugins } from '../api/plugins';
import {
  forPlugin,
  hostMessage,
  parsePluginMessage,
  RateLimiter,
  type PluginInfo,
  type RunInfo,
  type SessionFeed,
} from '../lib/pluginHost';
import { load, save } from '../lib/storage';

const ENABLED_KEY = 'inferno.plugins.enabled';

interface Props {
  feed: SessionFeed;
  run: RunInfo | null;
}

export function PluginPanels({ feed, run }: Props) {
  const [plugins, setPlugins] = useState<PluginInfo[] | null>(null);
  const [error, setError] = useState('');
  const [enabled, setEnabled] = useState<string[]>(() => load<string[]>(ENABLED_KEY, []));

  useEffect(() => {
    listPlugins().then(setPlugins, (err: Error) => setError(err.message));
  }, []);

  const toggle = (id: string, on: boolean) => {
    const next = on ? [...enabled.filter((e) => e !== id), id] : enabled.filter((e) => e !== id);
    setEnabled(next);
    save(ENABLED_KEY, next);
  };

  if (error) return <p className="error small">Plugins: {error}</p>;
  if (!plugins || plugins.length === 0) return null;
  const shown = plugins.filter((p) => p.ok && enabled.includes(p.id));
  return (
    <section className="plugins" aria-label="Plugins">
      <details className="plugin-list">
        <summary>
          Plugins <span className="muted small">({shown.length} of {plugins.length} on)</span>
        </summary>
        <ul>
          {plugins.map((p) => (
            <li key={p.id} data-testid={`plugin-${p.id}`}>
              <label>
                <input type="checkbox" disabled={!p.ok} checked={p.ok && enabled.includes(p.id)} onChange={(e) => toggle(p.id, e.target.checked)} />
                {p.ok ? `${p.title} ${p.version}` : p.id}
              </label>
              <span className="muted small"> · {p.source}</span>
              {p.ok ? <div className="muted small">{p.description}</div> : <div className="plugin-error small">broken: {p.error}</div>}
            </li>
          ))}
        </ul>
      </details>
      <div className="plugin-panels">
        {shown.map((p) => (
          <PluginFrame key={p.id} plugin={p} feed={feed} run={run} />
        ))}
      </div>
    </section>
  );
}

function theme(): 'light' | 'dark' {
  return document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light';
}

/** One plugin's frame: init once it says ready, the shown run's messages, reset on another. */
function PluginFrame({ plugin, feed, run }: { plugin: PluginInfo; feed: SessionFeed; run: RunInfo | null }) {
  const frame = useRef<HTMLIFrameElement>(null);
  const ready = useRef(false);
  const runRef = useRef(run);
  const [height, setHeight] = useState(plugin.height ?? 240);
  const [status, setStatus] = useState({ error: '', ignored: 0 });
  // A sandboxed frame may still navigate itself: its second load is another page, which must
  // not get the run's events. The frame is then taken down.
  const loads = useRef(0);
  const [left, setLeft] = useState(false);
  const onLoad = () => {
    loads.current += 1;
    if (loads.current < 2) return;
    ready.current = false;
    setLeft(true);
  };
  const kinds = plugin.events ?? [];

  const post = (m: object) => frame.current?.contentWindow?.postMessage(m, '*');
  const replay = (r: RunInfo | null) => {
    if (!r) return;
    for (const m of feed.messages(r.session)) {
      const out = forPlugin(m, kinds);
      if (out) post(hostMessage({ type: 'event', event: out }));
    }
  };

  // The run shown changed: a new run for the plugin.
  useEffect(() => {
    const changed = runRef.current?.session !== run?.session;
    runRef.current = run;
    if (!ready.current || !changed) return;
    post(hostMessage({ type: 'reset', run }));
    replay(run);
  }, [run?.session]);

  useEffect(
    () =>
      feed.subscribe((m, session) => {
        if (!ready.current || session !== runRef.current?.session) return;
        const out = forPlugin(m, kinds);
        if (out) post(hostMessage({ type: 'event', event: out }));
      }),
    [feed],
  );

  useEffect(() => {
    const limiter = new RateLimiter();
    let ignored = 0;
    let flush: ReturnType<typeof setTimeout> | undefined;
    // The count is shown at most 4 times a second: a flood must not re-render per message.
    const countIgnored = () => {
      ignored += 1;
      flush ??= setTimeout(() => {
        flush = undefined;
        setStatus((s) => ({ ...s, ignored }));
      }, 250);
    };
    const onMessage = (ev: MessageEvent) => {
      // Only this plugin's own frame, which has an opaque origin; nothing else is for us.
      if (!frame.current || ev.source !== frame.current.contentWindow || ev.origin !== 'null') return;
      const m = limiter.take() ? parsePluginMessage(ev.data) : null;
      // One 'ready' per page: each answers with the whole run so far, which a plugin saying it
      // again and again must not be able to multiply.
      if (!m || (m.type === 'ready' && ready.current)) {
        countIgnored();
        return;
      }
      if (m.type === 'ready') {
        ready.current = true;
        const r = runRef.current;
        post(hostMessage({ type: 'init', plugin: { id: plugin.id, version: plugin.version ?? '', title: plugin.title ?? plugin.id }, events: kinds, theme: theme(), run: r }));
        replay(r);
      } else if (m.type === 'resize') {
        setHeight(m.height);
      } else {
        setStatus((s) => ({ ...s, error: m.message }));
      }
    };
    window.addEventListener('message', onMessage);
    return () => {
      window.removeEventListener('message', onMessage);
      clearTimeout(flush);
    };
  }, [plugin.id]);

  return (
    <figure className="plugin-panel" data-testid={`plugin-panel-${plugin.id}`}>
      <figcaption>
        <strong>{plugin.title}</strong>
        <span className="muted small"> {plugin.version}</span>
        {status.error && (
          <span className="plugin-error small" role="status">
            {' '}
            · plugin error: {status.error}
          </span>
        )}
        {left && (
          <span className="plugin-error small" role="status">
            {' '}
            · stopped: the plugin left its page
          </span>
        )}
        {status.ignored > 0 && (
          <span className="muted small" data-testid="plugin-ignored">
            {' '}
            · ignored {status.ignored} message{status.ignored === 1 ? '' : 's'}
          </span>
        )}
      </figcaption>
      {!left && (
        <iframe
          ref={frame}
          title={`Plugin: ${plugin.title}`}
          src={plugin.frame}
          sandbox="allow-scripts"
          referrerPolicy="no-referrer"
          style={{ height }}
          onLoad={onLoad}
        />
      )}
    </figure>
  );
}
