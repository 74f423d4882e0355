"""Helpers shared by test suites (not fixtures: those live in tests/conftest.py)."""
