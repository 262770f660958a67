"""WSGI entry point for any WSGI server (`ticketry run` uses waitress)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketry.settings")
application = get_wsgi_application()
