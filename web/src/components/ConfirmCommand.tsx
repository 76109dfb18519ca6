// The confirmation a command needs before the server runs it: the exact command line, as the
// server will run it and as the request must repeat it (docs/tools.md).

interface Props {
  command: string;
  onConfirm: () => void;
  onCancel: () => void;
}

export function ConfirmCommand({ command, onConfirm, onCancel }: Props) {
  return (
    <div className="modal-backdrop">
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby="confirm-command-title">
        <h2 id="confirm-command-title">Run this command?</h2>
        <p>
          The Inferno server will start this program on this computer, with your permissions, and talk to it as an MCP
          server:
        </p>
        <pre className="command-line" data-testid="confirm-command">
          {command}
        </pre>
        <p className="muted small">Only run commands you trust. It stops when you remove the server or stop Inferno.</p>
        <div className="row-actions">
          <button type="button" className="ghost" onClick={onCancel}>
            Cancel
          </button>
          <button type="button" className="primary danger-bg" onClick={onConfirm} autoFocus>
            Run command
          </button>
        </div>
      </div>
    </div>
  );
}
