"""The console's forms: input shape and bounds only; the services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from ..accounts.models import MAX_REMEMBER_DAYS, Group, Role
from ..policy.models import MAX_DAYS, OrgPolicy
from ..policy.queries import STATUSES
from ..web.forms import NewPasswordForm
from .widgets import DEFAULT_DAYS, OTHER, DaysWidget


def role_boxes() -> forms.ModelMultipleChoiceField[Role]:
    """Roles to tick (none required): the policy's, an application's access."""
    return forms.ModelMultipleChoiceField(
        label="Roles",
        queryset=Role.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


def group_boxes() -> forms.ModelMultipleChoiceField[Group]:
    """Groups to tick (none required): a user's, the policy's, an application's access."""
    return forms.ModelMultipleChoiceField(
        label="Groups",
        queryset=Group.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class Form(forms.Form):
    """Labels without Django's trailing colon (screen readers read it out), as on the pages."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def _text(label: str, max_length: int, required: bool = True, **attrs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false", **attrs}),
    )


class DaysField(forms.Field):
    """A number of days from 0 to 365: the common choices in a list, any other in a number
    field beside it (see :class:`.widgets.DaysWidget`). A plain number posted under the
    field's name is taken as it is (scripts, and browsers without the list)."""

    widget = DaysWidget
    default_error_messages = {  # noqa: RUF012 - Django's pattern
        "invalid": f"Give a number of days from 0 to {MAX_DAYS}.",
        "other": "Type the number of days, or choose one from the list.",
    }

    def __init__(self, label: str = "Enrolment period", **kw: Any) -> None:
        kw.setdefault("initial", DEFAULT_DAYS)
        super().__init__(label=label, **kw)

    def to_python(self, value: Any) -> int | None:
        choice, other = value if isinstance(value, tuple | list) else (value, None)
        text = str(other if choice == OTHER else choice or "").strip()
        if not text:
            if choice == OTHER:
                raise ValidationError(self.error_messages["other"], code="other")
            return None
        try:
            days = int(text)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not 0 <= days <= MAX_DAYS:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return days


class PolicyForm(Form):
    """Zoom's Admin > Security: "Sign in with two-step verification"."""

    SCOPES = (
        (OrgPolicy.ALL, "All users in the organisation"),
        (OrgPolicy.ROLES, "Users with specific roles"),
        (OrgPolicy.GROUPS, "Users in specific groups"),
    )
    enabled = forms.BooleanField(label="Sign in with two-step verification", required=False)
    scope = forms.ChoiceField(
        label="Applies to", choices=SCOPES, widget=forms.RadioSelect, initial=OrgPolicy.ALL
    )
    roles = role_boxes()
    groups = group_boxes()
    grace_days = forms.IntegerField(
        label="Days to set it up",
        min_value=0,
        max_value=MAX_DAYS,
        initial=0,
        help_text="0: at the next sign-in. With more days, users can choose “Remind me later” "
        "until then; after that they must set it up to sign in.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "size": 5}),
    )

    def mode(self) -> str:
        data = self.cleaned_data
        return data["scope"] if data.get("enabled") else OrgPolicy.OFF


class RememberForm(Form):
    """ "Remember this browser": 0 (off) to 30 days."""

    remember_days = forms.TypedChoiceField(
        label="Users may skip the code on a browser they trust for",
        choices=[(0, "Off: ask for the code at every sign-in")]
        + [(n, f"{n} day{'s' if n != 1 else ''}") for n in range(1, MAX_REMEMBER_DAYS + 1)],
        coerce=int,
        initial=0,
        help_text="After a code, users can tick “Remember this browser”. A password change, "
        "a reset of two-step verification and “Sign out everywhere” end it.",
    )


class OrganisationForm(Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="Shown in authenticator apps beside each account (the issuer), in page titles "
        "and in mail. Accounts already added to an app keep the name they were added with.",
    )


class ResetForm(Form):
    """Zoom's "Reset two-step verification for a user"."""

    identifier = _text("Username or email", 254, placeholder="name or name@example.com")


class UserForm(Form):
    """The user's page: profile, role, groups and JumpCloud's requirement; one "Save user"."""

    display_name = forms.CharField(label="Name", max_length=150, required=False)
    email = forms.CharField(
        label="Email",
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )
    is_active = forms.BooleanField(
        label="Active (may sign in)", required=False, help_text="Deactivating signs the user out."
    )
    role = forms.ModelChoiceField(label="Role", queryset=Role.objects.all(), empty_label=None)
    groups = group_boxes()
    require_mfa = forms.BooleanField(
        label="Require two-step verification on sign-in", required=False
    )
    enrolment_days = DaysField(
        help_text="Days the user has to set it up. After that, sign-in is refused until you "
        "extend the period, reset two-step verification or lift the requirement."
    )
    admin_required = forms.BooleanField(
        label="Require two-step verification for sign-in (administrator)", required=False
    )


class NewUserForm(Form):
    HOW = (
        (
            "invite",
            "Send an invitation by mail: the user confirms the address and chooses a password",
        ),
        ("password", "Set a password now and tell the user yourself"),
    )
    username = _text("Username", 150, help_text="Letters, digits and . + - _")
    display_name = forms.CharField(label="Name", max_length=150, required=False)
    email = forms.CharField(
        label="Email",
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )
    role = forms.ModelChoiceField(label="Role", queryset=Role.objects.all(), empty_label=None)
    groups = group_boxes()
    how = forms.ChoiceField(
        label="Password", choices=HOW, initial="invite", widget=forms.RadioSelect
    )
    password = forms.CharField(
        label="Initial password",
        max_length=1024,
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    require_mfa = forms.BooleanField(
        label="Require two-step verification on sign-in", required=False
    )
    enrolment_days = DaysField()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("how") == "invite" and not data.get("email"):
            self.add_error("email", "An invitation needs an email address.")
        if data.get("how") == "password" and not data.get("password"):
            self.add_error("password", "Choose an initial password, or send an invitation.")
        return data


class FilterForm(Form):
    q = forms.CharField(label="Search", max_length=100, required=False)
    role = forms.ModelChoiceField(
        label="Role", queryset=Role.objects.all(), required=False, empty_label="Any role"
    )
    group = forms.ModelChoiceField(
        label="Group", queryset=Group.objects.all(), required=False, empty_label="Any group"
    )
    status = forms.ChoiceField(
        label="Two-step verification",
        choices=[("", "Any status"), *STATUSES.items()],
        required=False,
    )


class BulkForm(Form):
    ACTIONS = (("require", "Require two-step verification"), ("add_group", "Add to group"))
    action = forms.ChoiceField(label="Action", choices=ACTIONS)
    days = DaysField(required=False)
    group = forms.ModelChoiceField(
        label="Group", queryset=Group.objects.all(), required=False, empty_label="Choose a group"
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "add_group" and not data.get("group"):
            self.add_error("group", "Choose the group to add the users to.")
        if data.get("action") == "require" and data.get("days") in (None, ""):
            data["days"] = DEFAULT_DAYS
        return data


class DaysForm(Form):
    days = DaysField(label="New enrolment period, from now")


class GroupForm(Form):
    name = forms.CharField(label="Name", max_length=150)
    description = forms.CharField(label="Description", max_length=300, required=False)


class MemberForm(Form):
    identifier = _text("Add a user (username or email)", 254)


class RoleForm(Form):
    name = forms.CharField(label="Name", max_length=100)
    description = forms.CharField(label="Description", max_length=300, required=False)
    is_admin = forms.BooleanField(
        label="Administrators: members of this role use the admin console", required=False
    )


class AuditFilterForm(Form):
    user = _text("User", 150, required=False, placeholder="username")
    event = forms.ChoiceField(label="Event", required=False)
    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, events: list[str], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["event"].choices = [("", "Any event"), *((e, e) for e in events)]  # type: ignore[attr-defined]


class JoinForm(NewPasswordForm):
    """The invitee's first password: the checks of a new password, the invitation's labels."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].label = "Choose a password"
        self.fields["password2"].label = "Password again"


class WebhookForm(Form):
    """A webhook subscription; the choices of applications and events are set by the view."""

    application = forms.ChoiceField(label="Application")
    url = _text("Receiver URL (https://)", 2000, inputmode="url")
    events = forms.MultipleChoiceField(
        label="Events", widget=forms.CheckboxSelectMultiple, required=True
    )
    organisation_users = forms.BooleanField(
        label="Also the organisation's users (who belong to no application)",
        help_text="For an application whose key may enrol any user.",
        required=False,
    )

    def __init__(
        self, *args: Any, applications: list[str], events: dict[str, str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["application"].choices = [(a, a) for a in applications]  # type: ignore[attr-defined]
        self.fields["events"].choices = [(e, f"{e}: {what}") for e, what in events.items()]  # type: ignore[attr-defined]


class SiteForm(Form):
    """A protected site's rule (forward authentication): the checks are ``gateway.sites``'s."""

    domain = _text("Domain", 253, placeholder="app.example.com or *.example.com")
    paths = forms.CharField(
        label="Paths (regular expressions, one per line; empty: every path)",
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 2, "autocapitalize": "none", "spellcheck": "false"}),
    )
    methods = _text("Methods (e.g. GET HEAD; empty: every method)", 200, required=False)
    policy = forms.ChoiceField(
        label="Policy",
        choices=[
            ("two_factor", "two_factor: signed in with two-step verification"),
            ("one_factor", "one_factor: signed in (a password is enough)"),
            ("bypass", "bypass: anyone"),
            ("deny", "deny: nobody"),
        ],
    )
    groups = forms.ModelMultipleChoiceField(
        label="Only these groups (none: every signed-in user)",
        queryset=Group.objects.order_by("name"),
        required=False,
        to_field_name="name",
    )
    roles = forms.ModelMultipleChoiceField(
        label="Or these roles",
        queryset=Role.objects.all(),
        required=False,
        to_field_name="key",
    )
    position = forms.IntegerField(
        label="Position (1: first; empty: last)", required=False, min_value=1
    )


class SiteTestForm(Form):
    url = _text("URL", 4096, placeholder="https://app.example.com/admin")
    method = forms.ChoiceField(
        label="Method", choices=[(m, m) for m in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")]
    )
    user = _text("User (username or email; empty: anonymous)", 254, required=False)


class SiteMoveForm(Form):
    position = forms.IntegerField(label="Move to position", min_value=1)
