"""The built-in MCP server (docs/mcp.md): scoped, redacted, read-only cluster context for AI assistants.

- policy.py   the `[mcp]` config: the on/off switch, allow-lists of contexts, namespaces and client
              names, and where the HTTP bearer token comes from (light: no `mcp` import);
- cluster.py  kubeconfig contexts and raw reads (list, get, events, logs) through the gather client;
- results.py  the only way to build a tool result: from a `Redacted`, capped in size;
- tools.py    the tools that read the API directly (lists, objects, events, logs) and the scope rules;
- analysis.py diagnose, explain and health_summary over the CLI's gatherer and analyzers;
- server.py   the `MCPServer`: registration, prompts, allow-list checks and the audit middleware;
- http.py     streamable HTTP on 127.0.0.1 behind a bearer token and an Origin check;
- clients.py  the snippets `mcp config CLIENT` prints.

Only `commands/mcp.py` imports this package, and only policy.py/clients.py outside `mcp serve`, so
`prism --help` never loads the MCP SDK.
"""
