"""The repository reader: a checkout (or one commit of it, through git) read into core values.

Gates never open repository files themselves: version.yaml, CHANGELOG.md, the release policy,
audit logs, reports and paper reconciliations, strategy and model headers, tags, post-mortems,
rollout state and metrics are all read here, with the bounded-read and inside-the-repository
rules of ``releasekit.adapters.files`` applied once.
"""
