"""releasekit: a team's release runbook, executable on GitHub.

Every rule of the runbook is a gate: a pure check that turns files and facts into a
``Report`` (``releasekit.core.report``), rendered for the terminal, as JSON, and as Markdown
for check runs, PR comments and job summaries.
"""

__version__ = "0.1.0"
