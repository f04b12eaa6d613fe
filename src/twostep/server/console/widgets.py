"""The enrolment period's picker: the common choices (JumpCloud's 0 to 365 days, without a
366-item list) and a number field for any other number of days."""

from __future__ import annotations

from typing import Any, Final

from django import forms

from ..policy.models import MAX_DAYS

__all__ = ["COMMON_DAYS", "DEFAULT_DAYS", "OTHER", "DaysWidget"]

DEFAULT_DAYS: Final = 7
COMMON_DAYS: Final = (0, 1, 3, 7, 14, 30, 90)
#: The list's last choice: the number field beside it holds the days.
OTHER: Final = "other"


def day_label(days: int) -> str:
    if days == 0:
        return "0 days: at the next sign-in"
    label = f"{days} day{'s' if days != 1 else ''}"
    return label + (" (default)" if days == DEFAULT_DAYS else "")


class DaysWidget(forms.Widget):
    """A ``<select>`` named like the field (a common number of days, or ``other``) and a number
    input named ``<name>_other``, with its own label; the console's script shows the number
    input only when "Other" is chosen (without the script both are shown)."""

    template_name = "console/widgets/days.html"

    def _split(self, value: Any) -> tuple[str, str]:
        """(the list's choice, the number field's text) for an initial number or posted data."""
        if isinstance(value, tuple | list):
            choice, other = (str(v) if v is not None else "" for v in value)
            if choice.strip().isdigit() and int(choice) not in COMMON_DAYS:
                return OTHER, choice.strip()  # a plain number was posted
            return choice, other
        if value is None or value == "":
            return "", ""
        days = str(value)
        if days.isdigit() and int(days) in COMMON_DAYS:
            return days, ""
        return OTHER, days

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        choice, other = self._split(value)
        options = [(str(n), day_label(n), str(n) == choice) for n in COMMON_DAYS]
        options.append((OTHER, "Another number of days", choice == OTHER))
        context["widget"].update(options=options, other=other, max_days=MAX_DAYS)
        return context

    def value_from_datadict(self, data: Any, files: Any, name: str) -> tuple[Any, Any]:
        return data.get(name), data.get(f"{name}_other")

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and f"{name}_other" not in data
