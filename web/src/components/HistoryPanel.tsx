import { useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/errors';
import * as store from '../api/store';

interface Props {
  activeId: string | null;
  /** Bumped by the parent when a conversation was saved, to refresh the list. */
  version: number;
  available: boolean;
  onMissing: () => void;
  onOpen: (id: string) => void;
  onNew: () => void;
  onDeleted: (id: string) => void;
}

function download(name: string, type: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function slug(s: string) {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'conversation';
}

export function HistoryPanel({ activeId, version, available, onMissing, onOpen, onNew, onDeleted }: Props) {
  const [items, setItems] = useState<store.ConversationSummary[]>([]);
  const [q, setQ] = useState('');
  const [error, setError] = useState('');
  const [renaming, setRenaming] = useState<string | null>(null);
  const [title, setTitle] = useState('');
  const [reload, setReload] = useState(0);
  const fileRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (!available) return;
    let live = true;
    const t = setTimeout(() => {
      store
        .listConversations(q)
        .then((r) => {
          if (!live) return;
          setItems(r.conversations);
          setError('');
        })
        .catch((err: unknown) => {
          if (!live) return;
          if (err instanceof ApiError && err.missingRoute) onMissing();
          else setError(err instanceof Error ? err.message : String(err));
        });
    }, q ? 200 : 0);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [q, version, reload, available, onMissing]);

  const act = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
      setError('');
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
    setReload((n) => n + 1);
  };

  if (!available) {
    return (
      <nav className="history" aria-label="History">
        <button type="button" className="primary wide" onClick={onNew}>
          New chat
        </button>
        <p className="muted small" role="status">
          History is not available: this server has no conversation store (its /api/conversations route
          answered 404). Chats work but are not saved.
        </p>
      </nav>
    );
  }

  return (
    <nav className="history" aria-label="History">
      <button type="button" className="primary wide" onClick={onNew}>
        New chat
      </button>
      <input
        type="search"
        aria-label="Search conversations"
        placeholder="Search"
        value={q}
        onChange={(e) => setQ(e.target.value)}
      />
      {error && (
        <p className="error small" role="alert">
          {error}
        </p>
      )}
      <ul className="conv-list">
        {items.map((c) => (
          <li key={c.id} className={c.id === activeId ? 'active' : undefined}>
            {renaming === c.id ? (
              <form
                onSubmit={(e) => {
                  e.preventDefault();
                  setRenaming(null);
                  void act(() => store.updateConversation(c.id, { title }));
                }}
              >
                <input
                  aria-label="New title"
                  value={title}
                  autoFocus
                  onChange={(e) => setTitle(e.target.value)}
                  onBlur={() => setRenaming(null)}
                  onKeyDown={(e) => e.key === 'Escape' && setRenaming(null)}
                />
              </form>
            ) : (
              <button type="button" className="conv-title" onClick={() => onOpen(c.id)} title={c.title}>
                {c.title || 'Untitled'}
                <small>
                  {c.message_count} message{c.message_count === 1 ? '' : 's'} · {new Date(c.updated_at).toLocaleDateString()}
                </small>
              </button>
            )}
            <details className="conv-menu">
              <summary aria-label={`Actions for ${c.title}`}>⋯</summary>
              <div
                className="menu"
                onClick={(e) => {
                  // Any action closes the menu.
                  if ((e.target as HTMLElement).closest('button')) e.currentTarget.closest('details')?.removeAttribute('open');
                }}
              >
                <button
                  type="button"
                  onClick={() => {
                    setTitle(c.title);
                    setRenaming(c.id);
                  }}
                >
                  Rename
                </button>
                <button
                  type="button"
                  onClick={() =>
                    void act(async () =>
                      download(`${slug(c.title)}.json`, 'application/json', JSON.stringify(await store.exportConversation(c.id), null, 2)),
                    )
                  }
                >
                  Export JSON
                </button>
                <button
                  type="button"
                  onClick={() =>
                    void act(async () =>
                      download(`${slug(c.title)}.md`, 'text/markdown', store.toMarkdown(await store.getConversation(c.id))),
                    )
                  }
                >
                  Export Markdown
                </button>
                <button
                  type="button"
                  className="danger"
                  onClick={() => {
                    if (window.confirm(`Delete “${c.title}”?`)) {
                      void act(async () => {
                        await store.deleteConversation(c.id);
                        onDeleted(c.id);
                      });
                    }
                  }}
                >
                  Delete
                </button>
              </div>
            </details>
          </li>
        ))}
        {items.length === 0 && <li className="muted small">{q ? 'No match.' : 'No saved chats yet.'}</li>}
      </ul>
      <button type="button" className="ghost wide" onClick={() => fileRef.current?.click()}>
        Import…
      </button>
      <input
        ref={fileRef}
        type="file"
        accept="application/json,.json"
        className="sr-only"
        aria-label="Import a conversation file"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (!file) return;
          void act(async () => {
            let doc: unknown;
            try {
              doc = JSON.parse(await file.text());
            } catch {
              throw new Error(`${file.name} is not a JSON file`);
            }
            const conv = await store.importConversation(doc);
            onOpen(conv.id);
          });
        }}
      />
    </nav>
  );
}
