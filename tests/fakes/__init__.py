"""Test doubles for boundaries that cannot run on the project machines (docs/architecture.md#test-doubles)."""
