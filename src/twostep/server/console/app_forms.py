"""The console's form for an application: input shape and bounds only; the use cases and
:mod:`twostep.server.applications.access` decide what is acceptable."""

from __future__ import annotations

from typing import Any

from django import forms

from ..accounts.models import Group, Role
from .forms import Form, group_boxes, role_boxes

URIS_HELP = "One per line, matched exactly: https://, or http:// on 127.0.0.1 or localhost."


class ApplicationForm(Form):
    ACCESS = (
        ("all", "All users"),
        ("selected", "Only users in the chosen groups or with the chosen roles"),
    )
    name = forms.CharField(label="Name", max_length=100)
    redirect_uris = forms.CharField(
        label="Redirect URIs",
        help_text=URIS_HELP,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocapitalize": "none"}),
    )
    post_logout_redirect_uris = forms.CharField(
        label="Sign-out return URIs",
        help_text="Where the application may send users after signing out (optional). " + URIS_HELP,
        max_length=10_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false", "autocapitalize": "none"}),
    )
    public = forms.BooleanField(
        label="Public client: no secret (a single-page or native app; PKCE is required)",
        required=False,
    )
    first_party = forms.BooleanField(
        label="First-party: the organisation's own, users are not asked for consent",
        required=False,
    )
    access = forms.ChoiceField(
        label="Who may use it", choices=ACCESS, widget=forms.RadioSelect, initial="all"
    )
    roles = role_boxes()
    groups = group_boxes()
    require_second_factor = forms.BooleanField(
        label="Require two-step verification for everyone who uses it, whatever the "
        "organisation's policy says",
        required=False,
    )
    launch_url = forms.CharField(
        label="Launch URL",
        help_text="Shown on the users' “My applications” page (optional).",
        max_length=500,
        required=False,
        widget=forms.URLInput(attrs={"spellcheck": "false", "autocapitalize": "none"}),
    )
    icon_url = forms.CharField(
        label="Icon URL",
        help_text="An https:// image, shown beside its name (optional).",
        max_length=500,
        required=False,
        widget=forms.URLInput(attrs={"spellcheck": "false", "autocapitalize": "none"}),
    )
    description = forms.CharField(label="Description", max_length=300, required=False)

    def __init__(self, *args: Any, creating: bool = True, **kw: Any) -> None:
        super().__init__(*args, **kw)
        if not creating:
            del self.fields["public"]

    def data_for_use_case(self) -> dict[str, Any]:
        """The cleaned fields as the use cases take them (groups and roles by name)."""
        data = dict(self.cleaned_data)
        data["redirect_uris"] = data["redirect_uris"].split()
        data["post_logout_redirect_uris"] = data["post_logout_redirect_uris"].split()
        data["groups"] = [group.name for group in data["groups"]]
        data["roles"] = [role.key for role in data["roles"]]
        return data


def initial_for(facts: dict[str, Any]) -> dict[str, Any]:
    """A form's initial values from :func:`twostep.server.usecases.applications.facts`."""
    return {
        **{key: facts[key] for key in ("name", "first_party", "access", "launch_url")},
        **{key: facts[key] for key in ("require_second_factor", "icon_url", "description")},
        "redirect_uris": "\n".join(facts["redirect_uris"]),
        "post_logout_redirect_uris": "\n".join(facts["post_logout_redirect_uris"]),
        "groups": list(Group.objects.filter(name__in=facts["groups"])),
        "roles": list(Role.objects.filter(key__in=facts["roles"])),
    }
