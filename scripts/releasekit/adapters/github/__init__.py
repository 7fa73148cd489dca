"""GitHub, behind a small interface of our own (``GitHubPort``).

``interface`` defines what the gates may ask of GitHub; ``pygithub`` implements it with
PyGithub (imported only when a gate talks to GitHub: its import costs about 0.23 s).
"""
