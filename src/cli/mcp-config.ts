/** Configuration snippets that register docgraph with an MCP client. Pure: paths come in, text goes out. */

export const MCP_CLIENTS = ['claude-desktop', 'claude-code', 'cursor', 'vscode'] as const;
export type McpClient = (typeof MCP_CLIENTS)[number];

export interface LaunchSpec {
  /** Absolute path of the node executable. */
  node: string;
  /** Absolute path of bin/docgraph.js. */
  script: string;
  /** Absolute path of the index, or the postgres:// URL of a PostgreSQL store (without a password). */
  index: string;
  /** Absolute path of a config file to pass along, if one is in use. */
  configFile?: string;
  /** Streamable HTTP endpoint instead of stdio, e.g. http://127.0.0.1:7700/mcp */
  url?: string;
  /** Whether the HTTP endpoint needs the bearer token (taken from DOCGRAPH_API_KEY, never written out). */
  auth?: boolean;
}

export interface Snippet {
  /** What to paste (JSON or a shell command). */
  text: string;
  /** Where it goes. */
  where: string;
}

const NAME = 'docgraph';

function stdioArgs(s: LaunchSpec): string[] {
  const where = /^postgres(ql)?:\/\//i.test(s.index) ? '--store' : '--index';
  return [s.script, ...(s.configFile ? ['--config', s.configFile] : []), where, s.index, 'mcp'];
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

const json = (v: unknown): string => JSON.stringify(v, null, 2);

/** The snippet for one client. */
export function mcpClientSnippet(client: McpClient, s: LaunchSpec): Snippet {
  const stdio = { command: s.node, args: stdioArgs(s) };
  switch (client) {
    case 'claude-desktop':
      if (s.url) {
        return {
          text: 'Claude Desktop starts local servers over stdio; run `docgraph mcp-config --client claude-desktop` without --http, or add the URL under Settings › Connectors.',
          where: 'Claude Desktop',
        };
      }
      return {
        text: json({ mcpServers: { [NAME]: stdio } }),
        where: 'claude_desktop_config.json (macOS: ~/Library/Application Support/Claude/, Windows: %APPDATA%\\Claude\\); merge into "mcpServers", then restart Claude Desktop',
      };
    case 'claude-code':
      if (s.url) {
        const header = s.auth ? ` --header "Authorization: Bearer $DOCGRAPH_API_KEY"` : '';
        return { text: `claude mcp add --transport http${header} ${NAME} ${shellQuote(s.url)}`, where: 'a shell (add --scope user to use it in every project)' };
      }
      return { text: `claude mcp add ${NAME} -- ${[s.node, ...stdioArgs(s)].map(shellQuote).join(' ')}`, where: 'a shell (add --scope user to use it in every project)' };
    case 'cursor': {
      const server = s.url ? { url: s.url, ...(s.auth ? { headers: { Authorization: 'Bearer ${env:DOCGRAPH_API_KEY}' } } : {}) } : stdio;
      return { text: json({ mcpServers: { [NAME]: server } }), where: '~/.cursor/mcp.json (all projects) or .cursor/mcp.json (this project); merge into "mcpServers"' };
    }
    case 'vscode': {
      const server = s.url ? { type: 'http', url: s.url, ...(s.auth ? { headers: { Authorization: 'Bearer ${env:DOCGRAPH_API_KEY}' } } : {}) } : { type: 'stdio', ...stdio };
      return { text: json({ servers: { [NAME]: server } }), where: '.vscode/mcp.json in the workspace (or "MCP: Open User Configuration"); merge into "servers"' };
    }
  }
}
