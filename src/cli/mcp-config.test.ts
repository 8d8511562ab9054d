import { describe, expect, it } from 'vitest';
import { MCP_CLIENTS, mcpClientSnippet, type LaunchSpec } from './mcp-config.js';

const spec: LaunchSpec = { node: '/usr/bin/node', script: '/opt/docgraph/bin/docgraph.js', index: '/home/me/My Docs/index.db' };

describe('mcp-config snippets', () => {
  it('launch `docgraph mcp` with absolute paths for every JSON client', () => {
    const desktop = JSON.parse(mcpClientSnippet('claude-desktop', spec).text);
    expect(desktop.mcpServers.docgraph).toEqual({ command: '/usr/bin/node', args: ['/opt/docgraph/bin/docgraph.js', '--index', '/home/me/My Docs/index.db', 'mcp'] });
    expect(JSON.parse(mcpClientSnippet('cursor', spec).text).mcpServers.docgraph.command).toBe('/usr/bin/node');
    expect(JSON.parse(mcpClientSnippet('vscode', spec).text).servers.docgraph).toMatchObject({ type: 'stdio', command: '/usr/bin/node' });
  });

  it('quotes paths with spaces in the claude-code command', () => {
    expect(mcpClientSnippet('claude-code', spec).text).toBe("claude mcp add docgraph -- /usr/bin/node /opt/docgraph/bin/docgraph.js --index '/home/me/My Docs/index.db' mcp");
  });

  it('points HTTP clients at the URL and never writes the API key itself', () => {
    const http = { ...spec, url: 'http://127.0.0.1:7700/mcp', auth: true };
    for (const client of MCP_CLIENTS) expect(mcpClientSnippet(client, http).text).not.toMatch(/Bearer [A-Za-z0-9]{16}/);
    expect(JSON.parse(mcpClientSnippet('vscode', http).text).servers.docgraph).toEqual({ type: 'http', url: 'http://127.0.0.1:7700/mcp', headers: { Authorization: 'Bearer ${env:DOCGRAPH_API_KEY}' } });
    expect(mcpClientSnippet('claude-code', http).text).toBe('claude mcp add --transport http --header "Authorization: Bearer $DOCGRAPH_API_KEY" docgraph http://127.0.0.1:7700/mcp');
  });

  it('passes a config file along', () => {
    expect(JSON.parse(mcpClientSnippet('cursor', { ...spec, configFile: '/etc/docgraph.yaml' }).text).mcpServers.docgraph.args).toEqual([
      '/opt/docgraph/bin/docgraph.js', '--config', '/etc/docgraph.yaml', '--index', '/home/me/My Docs/index.db', 'mcp',
    ]);
  });

  it('launches with --store for a PostgreSQL store', () => {
    const pg = { ...spec, index: 'postgres://docgraph@db.internal:5432/docs?schema=team_a' };
    expect(JSON.parse(mcpClientSnippet('cursor', pg).text).mcpServers.docgraph.args).toEqual([
      '/opt/docgraph/bin/docgraph.js', '--store', 'postgres://docgraph@db.internal:5432/docs?schema=team_a', 'mcp',
    ]);
  });
});
