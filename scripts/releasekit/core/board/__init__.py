"""The release board: what is live, where each rollout stands, what blocks the next step.

Pure, in three steps: ``facts`` (what the sources said, as plain values) → ``model``
(``build_board``: one row per strategy or model, with its rollout, audit, sign-off and
hotfix debt) → ``page`` and ``timeline`` (a static HTML page with inline SVG, and
``export.board_to_json`` for other tools). Nothing here reads a clock, a file or GitHub.
"""
