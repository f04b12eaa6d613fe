"""The Django app ``twostep.sdk.django`` (label ``twostep_sdk``): no models, views and
templates only."""

from __future__ import annotations

from django.apps import AppConfig


class TwostepSdkConfig(AppConfig):
    name = "twostep.sdk.django"
    label = "twostep_sdk"
    verbose_name = "Two-step verification (twostep)"
