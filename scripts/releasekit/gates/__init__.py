"""Gates: one module per runbook use case, the one road from a request to a ``Report``.

Each gate module exposes one public function taking a typed request (plain values: paths,
versions, times, flags) plus the ports it needs (repository reader, GitHub port), and returns
a ``Report``. Gates read the repository only through ``releasekit.workspace`` and GitHub only
through the ports in ``releasekit.adapters.github``; they never print, parse arguments or read
the environment. Use-case steps that two gates share (the sign-off decision that signoff-gate
and evidence both make, the audit evidence both gather) are written once in this package.

Who may import whom is stated in docs/architecture.md and enforced by tests/test_architecture.py.
"""
