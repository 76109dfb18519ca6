// The scripted models of tests/thinking_model.h (the thinking one, the tool one), written as
// GGUF files from JavaScript: a one-layer llama whose attention and FFN add nothing, so each
// position's hidden state is its token's embedding, and whose output matrix maps each script
// token to the next. Decoded by the real engine, the thinking model's chat reply is
// "<think>Hmm...</think>Hello!". Keep the two in step: the C++ server tests and the JS suites
// (e2e, tests/node) assert the same scripts.
import { writeFileSync } from 'node:fs';

const kEmbd = 16;
const kFf = 32;

class Gguf {
  constructor() {
    this.kv = [];
    this.tensors = [];
  }
  str(s) {
    const b = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(b.length));
    return Buffer.concat([len, b]);
  }
  u32(x) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(x);
    return b;
  }
  u64(x) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(x));
    return b;
  }
  add(key, type, value) {
    this.kv.push(Buffer.concat([this.str(key), this.u32(type), value]));
  }
  addString(key, s) {
    this.add(key, 8, this.str(s));
  }
  addU32(key, x) {
    this.add(key, 4, this.u32(x));
  }
  addF32(key, x) {
    const b = Buffer.alloc(4);
    b.writeFloatLE(x);
    this.add(key, 6, b);
  }
  addBool(key, x) {
    this.add(key, 7, Buffer.from([x ? 1 : 0]));
  }
  addArray(key, elemType, items, encode) {
    this.add(key, 9, Buffer.concat([this.u32(elemType), this.u64(items.length), ...items.map(encode)]));
  }
  /** An F32 tensor; shape[0] is the row length, as GGUF lists dimensions. */
  addTensor(name, shape, values) {
    const data = Buffer.alloc(values.length * 4);
    values.forEach((v, i) => data.writeFloatLE(v, i * 4));
    this.tensors.push({ name, shape, data });
  }
  bytes() {
    const align = (n) => Math.ceil(n / 32) * 32;
    let offset = 0;
    const infos = this.tensors.map((t) => {
      const info = Buffer.concat([
        this.str(t.name),
        this.u32(t.shape.length),
        ...t.shape.map((d) => this.u64(d)),
        this.u32(0), // F32
        this.u64(offset),
      ]);
      offset = align(offset + t.data.length);
      return info;
    });
    const header = Buffer.concat([
      Buffer.from('GGUF'),
      this.u32(3),
      this.u64(this.tensors.length),
      this.u64(this.kv.length),
      ...this.kv,
      ...infos,
    ]);
    const parts = [header, Buffer.alloc(align(header.length) - header.length)];
    for (const t of this.tensors) {
      parts.push(t.data, Buffer.alloc(align(t.data.length) - t.data.length));
    }
    return Buffer.concat(parts);
  }
}

/**
 * A scripted model (tests/thinking_model.h's ScriptedModelWriter): `words` become whole-word
 * tokens after the 256 byte tokens; `script` lists words or single bytes, and </s> ends it.
 */
export function writeScriptedModel(file, { name, words, script, chatTemplate = '', contextLength = 256, extraBigrams = [] }) {
  const w = new Gguf();
  w.addString('general.architecture', 'llama');
  w.addString('general.name', name);
  w.addU32('llama.context_length', contextLength);
  w.addU32('llama.embedding_length', kEmbd);
  w.addU32('llama.block_count', 1);
  w.addU32('llama.feed_forward_length', kFf);
  w.addU32('llama.attention.head_count', 2);
  w.addU32('llama.attention.head_count_kv', 2);
  w.addF32('llama.attention.layer_norm_rms_epsilon', 1e-5);
  const tokens = ['<unk>', '<s>', '</s>'];
  const types = [2, 3, 3];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(6);
  }
  for (const word of words) {
    tokens.push(word);
    types.push(4);
  }
  const id = (s) => (s === '</s>' ? 2 : words.includes(s) ? 259 + words.indexOf(s) : 3 + Buffer.from(s)[0]);
  const ids = script.map(id);
  ids.push(2);
  // The script's bigrams, then those outside it (a second reply), each on a direction of its own.
  const bigrams = ids.slice(0, -1).map((from, i) => [from, ids[i + 1]]);
  for (const [from, to] of extraBigrams) bigrams.push([id(from), id(to)]);
  w.addString('tokenizer.ggml.model', 'llama');
  w.addArray('tokenizer.ggml.tokens', 8, tokens, (t) => w.str(t));
  w.addArray('tokenizer.ggml.scores', 6, tokens, () => Buffer.alloc(4));
  w.addArray('tokenizer.ggml.token_type', 5, types, (t) => {
    const b = Buffer.alloc(4);
    b.writeInt32LE(t);
    return b;
  });
  w.addU32('tokenizer.ggml.bos_token_id', 1);
  w.addU32('tokenizer.ggml.eos_token_id', 2);
  w.addBool('tokenizer.ggml.add_space_prefix', false);
  if (chatTemplate) w.addString('tokenizer.chat_template', chatTemplate);

  const nVocab = tokens.length;
  const embd = new Array(nVocab * kEmbd).fill(0);
  const out = new Array(nVocab * kEmbd).fill(0);
  bigrams.forEach(([from, to], i) => {
    embd[from * kEmbd + i] = 1;
    out[to * kEmbd + i] = 10;
  });
  const zeros = (n) => new Array(n).fill(0);
  const ones = (n) => new Array(n).fill(1);
  w.addTensor('token_embd.weight', [kEmbd, nVocab], embd);
  w.addTensor('output_norm.weight', [kEmbd], ones(kEmbd));
  w.addTensor('output.weight', [kEmbd, nVocab], out);
  w.addTensor('blk.0.attn_norm.weight', [kEmbd], ones(kEmbd));
  for (const m of ['attn_q', 'attn_k', 'attn_v', 'attn_output']) {
    w.addTensor(`blk.0.${m}.weight`, [kEmbd, kEmbd], zeros(kEmbd * kEmbd));
  }
  w.addTensor('blk.0.ffn_norm.weight', [kEmbd], ones(kEmbd));
  w.addTensor('blk.0.ffn_gate.weight', [kEmbd, kFf], zeros(kEmbd * kFf));
  w.addTensor('blk.0.ffn_up.weight', [kEmbd, kFf], zeros(kEmbd * kFf));
  w.addTensor('blk.0.ffn_down.weight', [kFf, kEmbd], zeros(kFf * kEmbd));
  writeFileSync(file, w.bytes());
}

export function writeThinkingModel(file) {
  writeScriptedModel(file, {
    name: 'inferno-thinking-test',
    words: ['<think>', '</think>', 'Hmm', '...', 'Hello'],
    script: ['\n', '<think>', 'Hmm', '...', '</think>', 'Hello', '!'],
  });
}

// The tool model of tests/thinking_model.h (ToolModelWriter): Qwen2.5's real template, and a
// reply that is a Hermes-style call after "Let me check.".
export const toolModelReply = [
  'Let me check.',
  '<tool_call>',
  '\n{"name": "get_weather", "arguments": ',
  '{"location": "Paris"',
  ', "unit": "celsius"}}',
  '\n</tool_call>',
];

export function writeToolModel(file, chatTemplate) {
  writeScriptedModel(file, {
    name: 'inferno-tool-test',
    words: toolModelReply,
    script: ['\n', ...toolModelReply],
    chatTemplate,
    contextLength: 4096,
  });
}

// Scripted tool round trips for the chat UI (tests/e2e/tools.test.mjs). A minimal ChatML-like
// template that renders the tools' names (so the chat offers tools to it) and <tool_call> (so
// replies are read as Hermes calls), and whose generation prompt ends
// in "Result:" after a tool message and in "\n" otherwise: the first reply is the call, the
// reply after the tool's result is `answer`.
const kToolRoundTemplate = `{%- if tools %}<|im_start|>system
Tools:{% for tool in tools %} {{ tool.function.name }}{% endfor %}<|im_end|>
{% endif -%}
{%- for message in messages -%}
{%- if message.role == 'tool' -%}
<tool_response>{{ message.content }}</tool_response>
{%- elif message.role == 'assistant' -%}
<|im_start|>assistant
{{ message.content or '' }}{%- for call in message.tool_calls or [] %}<tool_call>{{ call.function.name }}</tool_call>{%- endfor %}<|im_end|>
{% else -%}
<|im_start|>{{ message.role }}
{{ message.content }}<|im_end|>
{% endif -%}
{%- endfor -%}
{%- if add_generation_prompt -%}
{%- if messages[-1].role == 'tool' -%}<|im_start|>assistant
Result:{%- else -%}<|im_start|>assistant
{% endif -%}
{%- endif -%}`;

/** A model that says `intro`, calls `tool` with `args` (JSON text), then answers `answer`. */
export function writeToolRoundModel(file, { name, intro, tool, args, answer }) {
  const call = [intro, '<tool_call>', `\n{"name": "${tool}", "arguments": `, `${args}}`, '\n</tool_call>'];
  writeScriptedModel(file, {
    name,
    words: [...call, 'Result:', answer],
    script: ['\n', ...call],
    chatTemplate: kToolRoundTemplate,
    contextLength: 2048,
    extraBigrams: [
      ['Result:', answer],
      [answer, '</s>'],
    ],
  });
}
