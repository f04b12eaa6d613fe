"""The console stores nothing of its own: invitations moved to ``accounts`` and the notices about
requirements to ``policy`` (their tables keep their names; see those apps' migrations)."""
