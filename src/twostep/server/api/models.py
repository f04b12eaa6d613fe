"""The API stores nothing of its own: API keys moved to ``applications``, sign-in states and
access tokens to ``accounts`` (their tables keep their names; see those apps' migrations)."""
