"""`kubectl prism exporter`: Prometheus metrics of the findings, served on /metrics (docs/fleet.md)."""
