// Speech to text: a file or the microphone transcribed by a speech model (whisper.cpp files in
// the models dir), the transcript streaming in segment by segment as tokens coloured by
// probability (a click shows the alternatives), and "voice chat": the transcript sent to the
// chat model as a message.

import { useEffect, useRef, useState } from 'react';
import { streamTranscription, type SpeechSegment } from '../api/client';
import type { ModelInfo, TokenLogprob } from '../api/types';
import { speechTokens } from '../lib/speech';
import { encodeWav, joinChunks } from '../lib/wav';
import { TokenStrip } from './TokenView';

interface Recorder {
  stream: MediaStream;
  ctx: AudioContext;
  node: ScriptProcessorNode;
  chunks: Float32Array[];
}

// Raw samples from the microphone through the Web Audio API (MediaRecorder would give
// WebM/Opus, which the server's decoder does not read).
async function startRecorder(): Promise<Recorder> {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  const ctx = new AudioContext();
  const source = ctx.createMediaStreamSource(stream);
  const node = ctx.createScriptProcessor(4096, 1, 1);
  const chunks: Float32Array[] = [];
  node.onaudioprocess = (e) => chunks.push(new Float32Array(e.inputBuffer.getChannelData(0)));
  source.connect(node);
  node.connect(ctx.destination);
  return { stream, ctx, node, chunks };
}

async function stopRecorder(r: Recorder): Promise<Blob> {
  r.node.disconnect();
  r.stream.getTracks().forEach((t) => t.stop());
  const wav = encodeWav(joinChunks(r.chunks), r.ctx.sampleRate);
  await r.ctx.close();
  return new Blob([wav], { type: 'audio/wav' });
}

export function SpeechView(p: { models: ModelInfo[]; chatModel: string; onVoiceChat: (text: string) => void }) {
  const speechModels = p.models.filter((m) => m.kind === 'speech' && !m.error);
  const [model, setModel] = useState('');
  const [segments, setSegments] = useState<SpeechSegment[]>([]);
  const [text, setText] = useState('');
  const [status, setStatus] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [recording, setRecording] = useState(false);
  const recorder = useRef<Recorder | null>(null);
  const abort = useRef<AbortController | null>(null);
  useEffect(() => {
    if (!speechModels.some((m) => m.id === model) && speechModels[0]) setModel(speechModels[0].id);
  }, [speechModels, model]);
  useEffect(() => () => abort.current?.abort(), []);

  const transcribe = async (audio: Blob, name: string) => {
    abort.current?.abort();
    const ctrl = new AbortController();
    abort.current = ctrl;
    setSegments([]);
    setText('');
    setError('');
    setBusy(true);
    setStatus(`Transcribing ${name}…`);
    try {
      const end = await streamTranscription(audio, name, model, ctrl.signal, (delta, segment) => {
        setText((t) => t + delta);
        setSegments((s) => [...s, segment]);
      });
      setText(end.text);
      setStatus(`Done: ${end.duration?.toFixed(1) ?? '?'} s of audio, language ${end.language ?? '?'}`);
    } catch (err) {
      if (!ctrl.signal.aborted) setError(err instanceof Error ? err.message : String(err));
      setStatus('');
    } finally {
      setBusy(false);
    }
  };

  const toggleRecording = async () => {
    setError('');
    if (recorder.current) {
      const r = recorder.current;
      recorder.current = null;
      setRecording(false);
      void transcribe(await stopRecorder(r), 'recording.wav');
      return;
    }
    try {
      recorder.current = await startRecorder();
      setRecording(true);
      setStatus('Recording… press Stop to transcribe');
    } catch (err) {
      setError(`The microphone cannot be used: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  const tokens: TokenLogprob[] = speechTokens(segments);
  if (speechModels.length === 0) {
    return (
      <section className="speech-view">
        <p className="empty">
          No speech model: put a whisper.cpp model file (ggml-tiny.bin, ggml-base.en.bin …) in the models dir.
        </p>
      </section>
    );
  }
  return (
    <section className="speech-view" aria-label="Speech">
      <div className="speech-controls">
        <label>
          Speech model{' '}
          <select value={model} onChange={(e) => setModel(e.target.value)} aria-label="Speech model">
            {speechModels.map((m) => (
              <option key={m.id} value={m.id}>
                {m.id}
              </option>
            ))}
          </select>
        </label>
        <label className="file-button">
          Upload audio
          <input
            type="file"
            accept="audio/*,.wav,.mp3,.flac,.ogg,.opus"
            aria-label="Audio file"
            disabled={busy || recording}
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) void transcribe(f, f.name);
              e.target.value = '';
            }}
          />
        </label>
        <button type="button" className={recording ? 'recording' : ''} disabled={busy} onClick={() => void toggleRecording()}>
          {recording ? '■ Stop' : '● Record'}
        </button>
      </div>
      {status && <p className="speech-status" role="status">{status}</p>}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {(text || busy) && (
        <div className="speech-transcript">
          <h3>Transcript</h3>
          <p className="speech-text" data-testid="speech-text">
            {text}
          </p>
          {tokens.length > 0 && <TokenStrip tokens={tokens} />}
          <button
            type="button"
            disabled={busy || !text.trim() || !p.chatModel}
            onClick={() => p.onVoiceChat(text.trim())}
          >
            Send to chat ({p.chatModel || 'no chat model'})
          </button>
        </div>
      )}
    </section>
  );
}
