"""Fleet runs (docs/fleet.md): one command over many kubeconfig contexts.

`select` picks the contexts (`--contexts 'prod-*'`, `--all-contexts`) from the kubeconfig with the same
loading rules as a single run; `run` reads and analyzes them in parallel with bounded concurrency and
a per-context deadline; `jobs` is what one context's run does for each command (keeping the result,
never the snapshot); `model` is the `FleetDiagnosis` document. A context that cannot be read is one
gap of the fleet, and the rest goes on.
"""
