// Adding an MCP server: by URL (streamable HTTP, optional headers such as a key) or by a
// command the Inferno server runs (stdio), which first needs the user's confirmation of the
// exact command line. Once added, the server is connected and its tools listed.

import { useState } from 'react';
import * as api from '../api/tools';
import { commandLine, parseHeaders } from '../lib/tools';
import { ConfirmCommand } from './ConfirmCommand';

interface Props {
  onAdded: (s: api.McpServer, error?: string) => void;
}

export function McpServerForm({ onAdded }: Props) {
  const [kind, setKind] = useState<'http' | 'stdio'>('http');
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [headers, setHeaders] = useState('');
  const [command, setCommand] = useState('');
  const [args, setArgs] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState<string | null>(null);

  const argList = () => args.split('\n').filter((a) => a.trim() !== '');

  const add = async (confirm?: string) => {
    setBusy(true);
    setError('');
    try {
      const body: api.NewMcpServer =
        kind === 'http'
          ? { name: name.trim(), transport: 'http', url: url.trim(), headers: parseHeaders(headers) }
          : {
              name: name.trim(),
              transport: 'stdio',
              command: command.trim(),
              args: argList(),
              confirm_command: confirm,
            };
      const added = await api.addServer(body);
      setName('');
      setUrl('');
      setHeaders('');
      setCommand('');
      setArgs('');
      try {
        onAdded(await api.connectServer(added.id, confirm));
      } catch (err) {
        onAdded(added, err instanceof Error ? err.message : String(err));
      }
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="mcp-form"
      aria-label="Add an MCP server"
      onSubmit={(e) => {
        e.preventDefault();
        if (kind === 'stdio') setConfirming(commandLine(command.trim(), argList()));
        else void add();
      }}
    >
      <div className="seg" role="group" aria-label="Server type">
        <button type="button" aria-pressed={kind === 'http'} onClick={() => setKind('http')}>
          URL
        </button>
        <button type="button" aria-pressed={kind === 'stdio'} onClick={() => setKind('stdio')}>
          Command
        </button>
      </div>
      <label className="field">
        <span>Name</span>
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder="files" required />
      </label>
      {kind === 'http' ? (
        <>
          <label className="field">
            <span>URL</span>
            <input
              type="url"
              value={url}
              onChange={(e) => setUrl(e.target.value)}
              placeholder="http://127.0.0.1:3000/mcp"
              required
            />
          </label>
          <label className="field">
            <span>Headers (optional, one per line)</span>
            <textarea
              rows={2}
              value={headers}
              onChange={(e) => setHeaders(e.target.value)}
              placeholder="Authorization: Bearer …"
            />
          </label>
        </>
      ) : (
        <>
          <label className="field">
            <span>Command</span>
            <input value={command} onChange={(e) => setCommand(e.target.value)} placeholder="npx" required />
          </label>
          <label className="field">
            <span>Arguments (one per line)</span>
            <textarea
              rows={3}
              value={args}
              onChange={(e) => setArgs(e.target.value)}
              placeholder={'-y\n@modelcontextprotocol/server-everything'}
            />
          </label>
        </>
      )}
      {error && (
        <p className="error small" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Connecting…' : 'Add server'}
      </button>
      {confirming !== null && (
        <ConfirmCommand
          command={confirming}
          onCancel={() => setConfirming(null)}
          onConfirm={() => {
            const line = confirming;
            setConfirming(null);
            void add(line);
          }}
        />
      )}
    </form>
  );
}
