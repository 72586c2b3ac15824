"""Account actions: inviting staff and accepting an invitation. Run inside the unit's schema."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carehub.accounts.models import Invitation, Role, User
from carehub.phones import normalise_phone


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    token: str  # shown once, in the link; never stored

    @property
    def path(self) -> str:
        return f"/accounts/invite/{self.token}/"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


FULL_NAME_MAX = User._meta.get_field("full_name").max_length


def clean_full_name(full_name: str, *, required: bool = False) -> str:
    """A person's name as colleagues know them, spaces tidied. Lists, the audit trail and members' timelines show
    it instead of the email, so the invitations that ask for it (staff, a unit's first admin) check it here."""
    name = " ".join((full_name or "").split())
    if required and not name:
        raise ValidationError({"full_name": _("Enter the person's name.")})
    if len(name) > FULL_NAME_MAX:
        raise ValidationError({"full_name": _("A name has at most %(max)d characters.") % {"max": FULL_NAME_MAX}})
    return name


def invite_user(actor, *, email: str, role: str = Role.VIEWER, full_name: str = "",
                phone: str = "") -> IssuedInvitation:
    """Create an inactive account and a one-time link with which its owner sets a password."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": _("Enter a valid email address.")}) from None
    full_name = clean_full_name(full_name)
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    phone = normalise_phone(phone)
    with transaction.atomic():
        if User.objects.filter(email=email).exists():
            raise ValidationError({"email": _("An account with this email already exists.")})
        user = User.objects.create_user(email, None, role=role, full_name=full_name, phone=phone, is_active=False)
        token = secrets.token_urlsafe(32)
        invitation = Invitation.objects.create(
            user=user,
            token_hash=hash_token(token),
            expires_at=timezone.now() + timedelta(days=settings.CAREHUB_INVITATION_DAYS),
        )
    return IssuedInvitation(invitation, token)


def find_invitation(token: str) -> Invitation | None:
    invitation = Invitation.objects.select_related("user").filter(token_hash=hash_token(token)).first()
    if invitation is None or not invitation.is_usable():
        return None
    return invitation


def accept_invitation(invitation: Invitation, password: str) -> User:
    """Set the password, activate the account and spend the link, all or nothing."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().select_related("user").get(pk=invitation.pk)
        if not invitation.is_usable():
            raise ValidationError(_("This invitation has already been used or has expired."))
        user = invitation.user
        user.set_password(password)
        user.is_active = True
        user.save(update_fields=["password", "is_active"])
        invitation.used_at = timezone.now()
        invitation.save(update_fields=["used_at"])
    return user


def deactivated_session(request) -> bool:
    """The request's session was signed in by an account since deactivated (Django's authentication then reads
    it as anonymous, which alone would not tell a phone to wipe what it keeps for that person)."""
    user_id = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    return bool(user_id) and User.objects.filter(pk=user_id, is_active=False).exists()


def purge_expired(now=None) -> dict[str, int]:
    """Housekeeping for one schema: expired sessions and spent or expired invitations."""
    from django.contrib.sessions.models import Session

    now = now or timezone.now()
    sessions, _detail = Session.objects.filter(expire_date__lt=now).delete()
    invitations, _detail = Invitation.objects.filter(expires_at__lt=now).delete()
    return {"sessions": sessions, "invitations": invitations}
