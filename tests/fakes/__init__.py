"""Test doubles for boundaries that cannot run on the project machines (DESIGN §11)."""
