// A small MCP server written with the official @modelcontextprotocol/sdk, for the tests of
// Inferno's MCP client (tests/mcp_client_test.cc, tests/tool_routes_test.cc, the e2e suite
// tests/e2e/tools.test.mjs). Tools: add {a, b} (the sum as text), echo {text}, fail (an isError
// result), and filler_1..filler_4; tools/list is paginated 3 tools a page so that clients must
// follow nextCursor.
//
//   node mcp_test_server.mjs --stdio              stdio transport (writes a line on stderr first)
//   node mcp_test_server.mjs --http [--json] [--key K]
//       streamable HTTP on 127.0.0.1, a free port, printed as "listening <port>" on stdout;
//       --json answers with JSON bodies instead of SSE streams; --key K requires the header
//       X-Api-Key: K (401 otherwise).
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const number = { type: 'number' };
const tools = [
  {
    name: 'add',
    description: 'Add two numbers',
    inputSchema: { type: 'object', properties: { a: number, b: number }, required: ['a', 'b'] },
  },
  {
    name: 'echo',
    description: 'Repeat the text',
    inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  },
  { name: 'fail', description: 'Always fails', inputSchema: { type: 'object', properties: {} } },
  ...[1, 2, 3, 4].map((i) => ({
    name: `filler_${i}`,
    description: `Filler tool ${i}`,
    inputSchema: { type: 'object', properties: {} },
  })),
];
const kPage = 3;

function call(name, args) {
  const text = (t) => ({ content: [{ type: 'text', text: String(t) }] });
  if (name === 'add') return text(Number(args.a) + Number(args.b));
  if (name === 'echo') return text(args.text);
  if (name === 'fail') return { ...text('the fail tool failed, as it always does'), isError: true };
  if (name.startsWith('filler_')) return text(name);
  throw new Error(`Unknown tool: ${name}`);
}

function newServer() {
  const server = new Server({ name: 'inferno-test-mcp', version: '1.2.3' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async (request) => {
    const start = Number(request.params?.cursor ?? 0);
    const page = { tools: tools.slice(start, start + kPage) };
    if (start + kPage < tools.length) page.nextCursor = String(start + kPage);
    return page;
  });
  server.setRequestHandler(CallToolRequestSchema, async (request) => call(request.params.name, request.params.arguments ?? {}));
  return server;
}

function option(name) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function serveHttp() {
  const json = process.argv.includes('--json');
  const key = option('--key');
  const sessions = new Map();
  const httpServer = http.createServer(async (req, res) => {
    if (key !== undefined && req.headers['x-api-key'] !== key) {
      res.writeHead(401, { 'Content-Type': 'text/plain' }).end('missing or wrong X-Api-Key');
      return;
    }
    const id = req.headers['mcp-session-id'];
    let transport = id ? sessions.get(id) : undefined;
    if (id && !transport) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('no such session');
      return;
    }
    if (!transport) {
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: json,
        onsessioninitialized: (sid) => sessions.set(sid, transport),
      });
      await newServer().connect(transport);
    }
    await transport.handleRequest(req, res);
  });
  httpServer.listen(0, '127.0.0.1', () => console.log(`listening ${httpServer.address().port}`));
}

if (process.argv.includes('--stdio')) {
  console.error('inferno-test-mcp: ready on stdio');
  await newServer().connect(new StdioServerTransport());
} else if (process.argv.includes('--http')) {
  await serveHttp();
} else {
  console.error('usage: mcp_test_server.mjs --stdio | --http [--json] [--key K]');
  process.exit(2);
}
