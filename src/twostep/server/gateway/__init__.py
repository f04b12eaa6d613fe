"""Forward authentication: which requests to which protected sites may pass (docs/forward-auth.md).

- :mod:`.models`: the protected sites (access rules, in order) and their version;
- :mod:`.rules`: a rule as the decision reads it, compiled once per version, and its match;
- :mod:`.patterns`: path patterns: refused when they backtrack without end, searched in time;
- :mod:`.sites`: add, list, show, move and remove rules (what the CLI and the console call);
- :mod:`.access`: the decision for one proxied request, cheap enough for every request;
- :mod:`.returns`: where the sign-in may send the browser back to (no open redirect), and
  which rules the session cookie does not reach (``twostep check``).
"""
