"""Carehub's Django project: settings, URL routing, the Celery app and the `carehub` command."""

from carehub.celery import app as celery_app

__all__ = ["celery_app"]
