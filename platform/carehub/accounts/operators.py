"""Platform operators (public-schema accounts with is_staff): the console's access rule and how they are
recorded as actors of platform events."""

from django.contrib.auth.decorators import login_required, user_passes_test
from django.core.exceptions import PermissionDenied


def operator_required(view):
    """Signed-in operators only: others signed in get 403, anonymous visitors the sign-in page."""

    def check(user):
        if user.is_authenticated and not user.is_staff:
            raise PermissionDenied
        return user.is_authenticated

    return login_required(user_passes_test(check)(view))


def operator_actor(actor):
    """Only public-schema accounts (operators) are stored as actors of platform events."""
    return actor if actor is not None and getattr(actor, "is_staff", False) else None
