"""Shared test helpers (fakes, fixtures support) for releasekit's test suite."""
