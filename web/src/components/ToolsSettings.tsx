// Settings → Tools: the built-in tools (on by default), the user's MCP servers (connect or test,
// stop, remove, each tool switched on or off) and the form to add one.

import { useState } from 'react';
import * as api from '../api/tools';
import { askEachTime, BUILTIN_SERVER, toolKey, type ToolPrefs } from '../lib/tools';
import { ConfirmCommand } from './ConfirmCommand';
import { McpServerForm } from './McpServerForm';
import type { Tools } from './useTools';

interface ToggleProps {
  tool: { server: string; name: string; description: string };
  prefs: ToolPrefs;
  onPrefs: (p: ToolPrefs) => void;
}

function ToolToggle({ tool, prefs, onPrefs }: ToggleProps) {
  const key = toolKey(tool);
  const on = !prefs.disabled.includes(key);
  const always = tool.server === BUILTIN_SERVER ? !prefs.ask.includes(key) : prefs.always.includes(key);
  return (
    <li className="tool-toggle">
      <label title={tool.description}>
        <input
          type="checkbox"
          checked={on}
          onChange={(e) =>
            onPrefs({
              ...prefs,
              disabled: e.target.checked ? prefs.disabled.filter((k) => k !== key) : [...prefs.disabled, key],
            })
          }
        />
        <code>{tool.name}</code>
        <span className="muted small">{tool.description}</span>
      </label>
      {always && (
        <button
          type="button"
          className="badge"
          title="Runs without asking; click to be asked before each call"
          aria-label={`Ask before running ${tool.name}`}
          onClick={() => onPrefs(askEachTime(tool, prefs))}
        >
          always allowed ×
        </button>
      )}
    </li>
  );
}

interface RowProps {
  server: api.McpServer;
  tools: Tools;
  onChanged: (error?: string) => void;
}

function ServerRow({ server, tools, onChanged }: RowProps) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const run = async (f: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await f();
      onChanged();
    } catch (err) {
      onChanged(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const connect = () => {
    if (server.transport === 'stdio') setConfirming(true);
    else void run(() => api.connectServer(server.id));
  };
  const info = server.server_info;
  return (
    <li className={`mcp-server ${server.status}`} aria-label={`MCP server ${server.name}`}>
      <div className="mcp-head">
        <strong>{server.name}</strong>
        <span className={`status-dot ${server.status}`} role="status">
          {server.status === 'connected' && info?.name ? `connected · ${info.name} ${info.version}` : server.status}
        </span>
      </div>
      <code className="mcp-target">{server.transport === 'stdio' ? server.command_line : server.url}</code>
      {server.header_names.length > 0 && <p className="muted small">Headers: {server.header_names.join(', ')}</p>}
      {server.error && (
        <p className="error small" role="alert">
          {server.error}
        </p>
      )}
      <div className="row-actions">
        <button
          type="button"
          className="ghost"
          disabled={busy}
          onClick={connect}
          aria-label={server.status === 'connected' ? 'Test connection' : undefined}
        >
          {server.status === 'connected' ? 'Test' : server.transport === 'stdio' ? 'Start' : 'Connect'}
        </button>
        {server.status === 'connected' && (
          <button
            type="button"
            className="ghost"
            disabled={busy}
            onClick={() => void run(() => api.disconnectServer(server.id))}
          >
            {server.transport === 'stdio' ? 'Stop' : 'Disconnect'}
          </button>
        )}
        <button
          type="button"
          className="ghost danger"
          disabled={busy}
          onClick={() => void run(() => api.removeServer(server.id))}
        >
          Remove
        </button>
      </div>
      {server.tools.length > 0 && (
        <ul className="tool-list">
          {server.tools.map((t) => (
            <ToolToggle
              key={t.name}
              tool={{ ...t, server: server.name }}
              prefs={tools.prefs}
              onPrefs={tools.setPrefs}
            />
          ))}
        </ul>
      )}
      {confirming && (
        <ConfirmCommand
          command={server.command_line ?? ''}
          onCancel={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            void run(() => api.connectServer(server.id, server.command_line));
          }}
        />
      )}
    </li>
  );
}

export function ToolsSettings({ tools }: { tools: Tools }) {
  const [error, setError] = useState('');
  const { prefs, setPrefs } = tools;
  const builtins = tools.catalog.filter((t) => t.server === BUILTIN_SERVER);
  const changed = (e?: string) => {
    setError(e ?? '');
    void tools.refresh();
  };
  return (
    <section className="tools-settings" aria-label="Tools">
      <h3>Tools</h3>
      <p className="muted small">
        Tools the model may call. Each call shows in the chat; MCP tools run only after you allow them.
      </p>
      {!tools.modelTakesTools && (
        <p className="note small" role="note">
          The selected model's chat template does not render tools, so none are offered to it.
        </p>
      )}
      <label className="check">
        <input
          type="checkbox"
          checked={prefs.builtins}
          onChange={(e) => setPrefs({ ...prefs, builtins: e.target.checked })}
        />
        Built-in tools
      </label>
      {prefs.builtins && (
        <ul className="tool-list">
          {builtins.map((t) => (
            <ToolToggle key={t.name} tool={t} prefs={prefs} onPrefs={setPrefs} />
          ))}
        </ul>
      )}
      <h4>MCP servers</h4>
      {(error || tools.error) && (
        <p className="error small" role="alert">
          {error || tools.error}
        </p>
      )}
      {tools.servers.length === 0 ? (
        <p className="muted small">None yet. Add one by URL, or a local command.</p>
      ) : (
        <ul className="mcp-servers">
          {tools.servers.map((s) => (
            <ServerRow key={s.id} server={s} tools={tools} onChanged={changed} />
          ))}
        </ul>
      )}
      <McpServerForm onAdded={(_, e) => changed(e)} />
    </section>
  );
}
