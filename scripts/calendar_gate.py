#!/usr/bin/env python3
"""The release calendar: sessions, closed days, freeze windows and when a promotion may go.

Runbook step: Phase 1/3 (before cutting and before tagging a release: ``check``) and Phase 4
(when a staged rollout's next promotion may happen: ``show``). Needs no token and no network;
a policy naming an exchange needs the calendar extra (``pip install 'releasekit[calendar]'``).

    python scripts/calendar_gate.py [show] [--days 30] [--state STATE.json]
    python scripts/calendar_gate.py check --action prepare|tag [--hotfix --signoff-report F]

Same as ``releasekit calendar``; see ``--help`` and docs/calendar.md. (Not ``calendar.py``:
that name would hide the standard library's ``calendar`` module.)
"""

import sys

from releasekit.cli import main

if __name__ == "__main__":
    sys.exit(main(["calendar", *sys.argv[1:]]))
