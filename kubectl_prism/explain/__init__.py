"""The `explain` view of one object, built from a snapshot without touching the API.

`describe` (what `kubectl describe` would say about one raw object) and `kinds` (per-kind spec and
status) feed `model`, which assembles the `prism/v1 Explanation` with `related` objects and `usage`.
Kept import-light: nothing here loads until `explain` (or the MCP tool) needs it.
"""
