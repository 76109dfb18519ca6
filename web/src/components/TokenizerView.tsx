import { useState } from 'react';
import { tokenize } from '../api/client';
import { ApiError } from '../api/errors';
import type { TokenInfo } from '../api/types';
import { visibleToken } from '../lib/probability';

/** How the model splits a text: token boundaries, ids and the count, through /tokenize. */
export function TokenizerView({ model }: { model: string }) {
  const [text, setText] = useState('Hello world! Tokenizers split text into pieces.');
  const [addSpecial, setAddSpecial] = useState(true);
  const [tokens, setTokens] = useState<TokenInfo[] | null>(null);
  const [error, setError] = useState('');
  const [loading, setLoading] = useState(false);

  const run = async () => {
    setLoading(true);
    setError('');
    try {
      setTokens(await tokenize(model, text, addSpecial));
    } catch (err) {
      setTokens(null);
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setLoading(false);
    }
  };

  return (
    <section className="tokenizer" aria-label="Tokenizer">
      <h2>Tokenizer</h2>
      <p className="muted">
        How <strong>{model || 'the default model'}</strong> splits text. Each chip is one token; hover for its
        id.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <label htmlFor="tok-text" className="sr-only">
          Text to tokenize
        </label>
        <textarea id="tok-text" rows={5} value={text} onChange={(e) => setText(e.target.value)} />
        <div className="row-actions">
          <label className="check">
            <input type="checkbox" checked={addSpecial} onChange={(e) => setAddSpecial(e.target.checked)} /> Add
            BOS/special tokens
          </label>
          <span className="spacer" />
          <button type="submit" className="primary" disabled={loading}>
            Tokenize
          </button>
        </div>
      </form>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {tokens && (
        <>
          <p className="count" data-testid="token-count">
            {tokens.length} token{tokens.length === 1 ? '' : 's'} · {text.length} characters
          </p>
          <div className="token-strip" data-testid="tokenized">
            {tokens.map((t, i) => (
              <span key={i} className={`tok alt${i % 2}`} title={`#${i} · id ${t.id}`}>
                {visibleToken(t.text)}
                <sub>{t.id}</sub>
              </span>
            ))}
          </div>
        </>
      )}
    </section>
  );
}
