"""Use cases: one function per action that a user, an administrator or an application takes.

The edges (pages, console, API, CLI) call one of these per action (or, for an action that is one
domain service and sends nothing, that service itself). A use case opens the transaction that
the action needs, calls the domain services (accounts, mfa, policy, applications) and sends the
mail that goes with it. It decides nothing about security itself: the domain services do.

- :mod:`.signin`: the sign-in steps (password, code, setup, "remind me later");
- :mod:`.passwords`: a user's own new password (ends the other sessions);
- :mod:`.sessions`: signing a user out everywhere, applications' OpenID Connect tokens too;
- :mod:`.verification`: verifying a code, with the notices a reuse, a lockout or a recovery code
  send; step-up;
- :mod:`.enrolment`: setting up, turning off, new recovery codes, an admin's reset and unlock;
- :mod:`.requirements`: who must use 2FA (per user, administrators, the organisation);
- :mod:`.users`: adding, changing and inviting users; :mod:`.directory`: groups and roles;
- :mod:`.notices`: the mails about requirements (``twostep remind``).
"""
