# ruff: noqa  (written by hand: a data migration)
"""Keys made before applications existed: each verify key joins the application "Default"
(made here when there is such a key), and so do the users those keys created (no password,
an external id, not an administrator, no pending invitation): their external ids become the
Default application's namespace. Such keys no longer enrol or read other users unless an
administrator grants them ``may_enrol_any_user``; that was the hole this closes."""

from django.db import migrations
from django.utils import timezone


def forwards(apps, schema_editor):
    ApiKey = apps.get_model("applications", "ApiKey")
    Application = apps.get_model("applications", "Application")
    AppUser = apps.get_model("applications", "AppUser")
    User = apps.get_model("accounts", "User")
    Invitation = apps.get_model("accounts", "Invitation")
    keys = ApiKey.objects.filter(scope="verify", application__isnull=True)
    if not keys.exists():
        return
    default, _ = Application.objects.get_or_create(
        name="Default", defaults={"issuer": "", "created_at": timezone.now()}
    )
    keys.update(application=default)
    invited = Invitation.objects.filter(accepted_at__isnull=True).values("user_id")
    candidates = (
        User.objects.filter(external_id__isnull=False, password__startswith="!")
        .exclude(role__is_admin=True)
        .exclude(pk__in=invited)
        .exclude(app_membership__isnull=False)
    )
    AppUser.objects.bulk_create(
        AppUser(application=default, user=user, external_id=user.external_id)
        for user in candidates.only("pk", "external_id")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0002_application_namespaces"),
        ("accounts", "0005_access_token_last_seen"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
