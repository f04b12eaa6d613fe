"""Two-step verification for a Django project, with a twostep server (needs Django; importing
:mod:`twostep.sdk` alone never loads this).

In settings::

    INSTALLED_APPS = [..., "twostep.sdk.django"]
    TWOSTEP_BASE_URL = "https://2fa.example.com"
    TWOSTEP_API_KEY = os.environ["TWOSTEP_API_KEY"]   # a verify key (--allow-create-users)

In urls.py: ``path("twostep/", include("twostep.sdk.django.urls"))``. Then either add
``"twostep.sdk.django.middleware.SecondFactorMiddleware"`` to ``MIDDLEWARE`` after
``AuthenticationMiddleware`` (every view of a signed-in user but the exempt ones, see
:mod:`~twostep.sdk.django.middleware`), or decorate views one by one::

    from twostep.sdk.django.decorators import require_second_factor

    @require_second_factor
    def account(request): ...

A view under :func:`~twostep.sdk.django.decorators.require_second_factor` lets in only a
signed-in user (``request.user``, named to twostep by their primary key) who gave a code or a
recovery code in this session, less than ``TWOSTEP_MAX_AGE`` seconds ago (default 12 hours;
None: for the whole session). Others go to the login page (``settings.LOGIN_URL``), to the
code page, or to setup (QR code, first code, recovery codes) if they have no second factor
yet, then back where they were going. The session key is rotated once the code is accepted.
``TWOSTEP_REQUIRE = "policy"`` (default ``"always"``) lets twostep's policy decide who must set
2FA up: a user it does not require it of, and who has none, goes on without a code.

Override the templates ``twostep/base.html``, ``code.html``, ``setup.html``,
``recovery_codes.html``, ``unavailable.html`` in your own templates. When twostep cannot be
reached the views answer 503 with a page that says so: nobody passes without it.
"""
