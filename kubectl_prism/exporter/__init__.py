"""`kubectl prism exporter`: Prometheus metrics of the findings, served on /metrics (DESIGN §12)."""
