#!/usr/bin/env bash
# A third-party MCP client against docgraph: the MCP Inspector's CLI mode lists
# the tools and calls search_docs, over stdio (`docgraph mcp`) and over
# Streamable HTTP (`docgraph serve`), on an index of test/fixtures/mcp.
#
#   scripts/mcp-inspector-check.sh
#
# Inspector 1.0.3 is the newest that runs on Node 20 (2.x needs Node >= 22.19).
# npx fetches it from the npm registry the first time (about 260 packages);
# set DOCGRAPH_INSPECTOR to an installed `mcp-inspector` binary to skip that.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tmp=$(mktemp -d)
serve_pid=
cleanup() { [[ -n $serve_pid ]] && kill "$serve_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
read -r -a inspector <<<"${DOCGRAPH_INSPECTOR:-npx -y @modelcontextprotocol/inspector@1.0.3}"
index=$tmp/index.db
node --import tsx src/cli/run.ts --index "$index" ingest test/fixtures/mcp >/dev/null

check() { # $1: file with the Inspector's JSON output, $2: what it must show
  node -e '
    const out = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const want = process.argv[2];
    const ok = want === "tools"
      ? ["search_docs", "get_section", "get_document", "list_sources", "index_status"].every((n) => out.tools.some((t) => t.name === n))
      : out.structuredContent.hits.some((h) => h.ref === "guides/tls.md#rotate-the-certificate");
    if (!ok) { console.error("unexpected Inspector output for " + want + ":\n" + JSON.stringify(out, null, 2)); process.exit(1); }
  ' "$1" "$2"
}

server=(node --import tsx src/cli/run.ts --index "$index" mcp)
"${inspector[@]}" --cli "${server[@]}" --method tools/list >"$tmp/tools.json" 2>"$tmp/err.log" || { cat "$tmp/err.log" >&2; exit 1; }
check "$tmp/tools.json" tools
"${inspector[@]}" --cli "${server[@]}" --method tools/call --tool-name search_docs --tool-arg "query=rotate the TLS certificate" --tool-arg limit=3 >"$tmp/search.json" 2>>"$tmp/err.log"
check "$tmp/search.json" search
echo "stdio: Inspector listed the tools and search_docs found guides/tls.md#rotate-the-certificate"

node --import tsx src/cli/run.ts --index "$index" serve --port 0 2>"$tmp/serve.log" &
serve_pid=$!
for _ in $(seq 1 100); do grep -q 'listening on' "$tmp/serve.log" && break; sleep 0.1; done
url=$(sed -n 's/.*listening on \(http[^ ]*\) .*/\1/p' "$tmp/serve.log")/mcp
"${inspector[@]}" --cli "$url" --transport http --method tools/list >"$tmp/tools-http.json" 2>>"$tmp/err.log"
check "$tmp/tools-http.json" tools
"${inspector[@]}" --cli "$url" --transport http --method tools/call --tool-name search_docs --tool-arg "query=rotate the TLS certificate" >"$tmp/search-http.json" 2>>"$tmp/err.log"
check "$tmp/search-http.json" search
echo "http:  Inspector listed the tools and search_docs found guides/tls.md#rotate-the-certificate ($url)"
