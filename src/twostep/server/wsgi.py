"""The WSGI application (served by gunicorn through ``twostep serve``)."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twostep.server.settings")
application = get_wsgi_application()
