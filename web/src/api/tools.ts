// Tools for the chat (/api/tools, docs/tools.md): the catalog of built-in and MCP tools, one
// call route for both, and the user's MCP servers. The Inferno server is the MCP client: keys
// and processes stay there, the browser only names servers and tools.

import { call } from './call';

export interface ToolEntry {
  /** What a call names: "inferno" for the built-in tools, else the MCP server's name. */
  server: string;
  provider: string;
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface ToolResult {
  server: string;
  tool: string;
  text: string;
  is_error: boolean;
}

export interface McpServer {
  id: number;
  name: string;
  transport: 'http' | 'stdio';
  url: string;
  /** Names only: the values (keys) never leave the server. */
  header_names: string[];
  command: string;
  args: string[];
  /** The command as the confirm dialog shows it, and as a start must repeat it. */
  command_line?: string;
  status: 'stopped' | 'connected' | 'error';
  error: string;
  server_info?: { name: string; version: string };
  protocol_version?: string;
  tools: { name: string; description: string; parameters: Record<string, unknown> }[];
}

export interface NewMcpServer {
  name: string;
  transport: 'http' | 'stdio';
  url?: string;
  headers?: Record<string, string>;
  command?: string;
  args?: string[];
  confirm_command?: string;
}

export interface ToolCatalog {
  tools: ToolEntry[];
  /** Whether the model's chat template renders tools; tools are offered only then. */
  modelTakesTools: boolean;
}

/** The tools, and whether `model` (empty: the server's default) can be offered them. */
export async function listTools(model: string): Promise<ToolCatalog> {
  const q = model ? `?model=${encodeURIComponent(model)}` : '';
  const body = await call<{ data?: ToolEntry[]; model?: { template_writes_tools?: boolean } | null }>(
    'GET',
    `/api/tools${q}`,
    'Listing tools',
  );
  return { tools: body.data ?? [], modelTakesTools: !!body.model?.template_writes_tools };
}

/** Runs a tool; `args` as the model wrote them (a JSON text) or an object. */
export function callTool(server: string, tool: string, args: string | Record<string, unknown>): Promise<ToolResult> {
  return call('POST', '/api/tools/call', `Running ${tool}`, { server, tool, arguments: args });
}

export async function listServers(): Promise<McpServer[]> {
  const body = await call<{ data?: McpServer[] }>('GET', '/api/tools/servers', 'Listing MCP servers');
  return body.data ?? [];
}

export function addServer(s: NewMcpServer): Promise<McpServer> {
  return call('POST', '/api/tools/servers', 'Adding the MCP server', s);
}

export function removeServer(id: number): Promise<void> {
  return call('DELETE', `/api/tools/servers/${id}`, 'Removing the MCP server');
}

/** Connects (and for a command, starts) the server and lists its tools: the connection test. */
export function connectServer(id: number, confirmCommand?: string): Promise<McpServer> {
  return call('POST', `/api/tools/servers/${id}/connect`, 'Connecting to the MCP server', {
    confirm_command: confirmCommand,
  });
}

export function disconnectServer(id: number): Promise<McpServer> {
  return call('POST', `/api/tools/servers/${id}/disconnect`, 'Stopping the MCP server', {});
}
