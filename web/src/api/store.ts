// Conversation history in the server's store (/api/conversations). When the server has no
// store (404 on the route), callers get an ApiError with missingRoute set and show that.

import { call } from './call';
import type { DraftMark } from '../lib/speculation';
import type { PromptImage } from './debugger';
import type { MessageMetrics } from './types';

export interface ConversationSummary {
  id: string;
  title: string;
  model?: string;
  created_at: string;
  updated_at: string;
  message_count: number;
}

export interface StoredMessage {
  id: string;
  /** 'tool': a tool call's result; its metrics name the call (lib/tools.ts). */
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  created_at?: string;
  model?: string;
  metrics?: MessageMetrics | null;
  /** An assistant's reasoning, apart from its answer (thinking models). */
  reasoning?: string;
  /** A user's images, as data URLs. */
  images?: string[];
}

export interface Conversation {
  id: string;
  title: string;
  model?: string;
  system?: string;
  settings?: Record<string, unknown> | null;
  created_at: string;
  updated_at: string;
  messages: StoredMessage[];
}

export function listConversations(q = '', limit = 50): Promise<{ conversations: ConversationSummary[] }> {
  const params = new URLSearchParams({ limit: String(limit) });
  if (q) params.set('q', q);
  return call('GET', `/api/conversations?${params}`, 'Loading history');
}

export function createConversation(c: {
  title?: string;
  model?: string;
  system?: string;
  settings?: Record<string, unknown>;
}): Promise<Conversation> {
  return call('POST', '/api/conversations', 'Saving the conversation', c);
}

export function getConversation(id: string): Promise<Conversation> {
  return call('GET', `/api/conversations/${encodeURIComponent(id)}`, 'Opening the conversation');
}

export function updateConversation(
  id: string,
  patch: { title?: string; model?: string; system?: string; settings?: Record<string, unknown> },
): Promise<Conversation> {
  return call('PATCH', `/api/conversations/${encodeURIComponent(id)}`, 'Updating the conversation', patch);
}

export function deleteConversation(id: string): Promise<void> {
  return call('DELETE', `/api/conversations/${encodeURIComponent(id)}`, 'Deleting the conversation');
}

export function addMessage(
  id: string,
  m: {
    role: string;
    content: string;
    model?: string;
    metrics?: MessageMetrics;
    reasoning?: string;
    images?: string[];
  },
): Promise<StoredMessage> {
  return call('POST', `/api/conversations/${encodeURIComponent(id)}/messages`, 'Saving the message', m);
}

/** Deletes the message and every later one (regenerate, edit-and-resend). */
export function truncateFrom(id: string, messageId: string): Promise<void> {
  return call(
    'DELETE',
    `/api/conversations/${encodeURIComponent(id)}/messages/${encodeURIComponent(messageId)}`,
    'Updating the conversation',
  );
}

export function exportConversation(id: string): Promise<unknown> {
  return call('GET', `/api/conversations/${encodeURIComponent(id)}/export`, 'Exporting');
}

export function importConversation(doc: unknown): Promise<Conversation> {
  return call('POST', '/api/conversations/import', 'Importing', doc);
}

/** A Markdown rendering of a conversation, for people rather than for re-import. */
export function toMarkdown(c: Conversation): string {
  const lines = [`# ${c.title || 'Conversation'}`, ''];
  if (c.model) lines.push(`Model: \`${c.model}\``, '');
  if (c.system) lines.push('## System', '', c.system, '');
  for (const m of c.messages) {
    lines.push(`## ${m.role === 'user' ? 'User' : m.role === 'assistant' ? 'Assistant' : 'System'}`, '');
    lines.push(m.content, '');
  }
  return lines.join('\n');
}

/** A title from the first user message: its first line, cut at a word near 48 characters. */
export function titleFrom(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  if (line.length <= 48) return line || 'New chat';
  const cut = line.slice(0, 48);
  const space = cut.lastIndexOf(' ');
  return (space > 24 ? cut.slice(0, space) : cut) + '…';
}

export interface Profile {
  id: string;
  name: string;
  model?: string;
  system?: string;
  settings?: Record<string, unknown> | null;
}

export function listProfiles(): Promise<{ profiles: Profile[] }> {
  return call('GET', '/api/profiles', 'Loading profiles');
}

export function createProfile(p: Omit<Profile, 'id'>): Promise<Profile> {
  return call('POST', '/api/profiles', 'Saving the profile', p);
}

export function updateProfile(p: Profile): Promise<Profile> {
  const { id, ...rest } = p;
  return call('PUT', `/api/profiles/${encodeURIComponent(id)}`, 'Saving the profile', rest);
}

export function deleteProfile(id: string): Promise<void> {
  return call('DELETE', `/api/profiles/${encodeURIComponent(id)}`, 'Deleting the profile');
}

/** A debugger session as the server's store lists it (/api/sessions). */
export interface StoredDebugSummary {
  id: string;
  parent: string;
  branch_step: number;
  model: string;
  finish_reason: string;
  steps: number;
  created_at: string;
  updated_at: string;
}

/** The export document of one stored debugger session (GET /api/sessions/{id}). */
export interface StoredDebugDoc {
  format: 'inferno.debug_session';
  version: number;
  session: {
    id: string;
    model: string;
    parent: string;
    branch_step: number;
    prompt_tokens: number[];
    prompt?: { id: number; text: string }[];
    /** The start message as received (its `images` are the pictures sent). */
    request?: { images?: string[] };
    /** Where those images sit in the prompt, and their grids. */
    images?: PromptImage[];
    tokens: number[];
    finish_reason: string;
    steps: {
      id: number;
      text: string;
      logit: number;
      prob: number;
      rank: number;
      entropy: number;
      top: { id: number; text: string; logit: number; prob: number }[];
      phase?: 'reasoning';
      /** Speculative decoding's mark, as the `token` message has it. */
      draft?: DraftMark;
      draft_id?: number;
    }[];
  };
}

export function listDebugSessions(limit = 30): Promise<{ sessions: StoredDebugSummary[] }> {
  return call('GET', `/api/sessions?limit=${limit}`, 'Loading saved debugger sessions');
}

export function getDebugSession(id: string): Promise<StoredDebugDoc> {
  return call('GET', `/api/sessions/${encodeURIComponent(id)}`, 'Opening a saved debugger session');
}
