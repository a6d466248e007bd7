"""Rules and settings: writes, and which rule a session uses."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Institution, Unit
from attendance.engine import RuleParams
from attendance.models import AttendanceRule, AttendanceSettings, Session

BUILT_IN_RULE_NAME = "Built-in default"
SETTINGS_FIELDS = ("default_rule", "notify_absences", "absence_contact_email")


def rule_params(rule: AttendanceRule | None) -> RuleParams:
    if rule is None:
        return RuleParams()
    return RuleParams(**{name: getattr(rule, name) for name in RuleParams.field_names()})


def rule_snapshot(rule: AttendanceRule | None, params: RuleParams) -> dict[str, Any]:
    """What a record keeps of the rule it was computed with (the rule may change later)."""
    return {
        "id": rule.pk if rule is not None else None,
        "name": rule.name if rule is not None else BUILT_IN_RULE_NAME,
        **params.as_dict(),
    }


def attendance_settings_get(*, institution: Institution) -> AttendanceSettings:
    settings, _ = AttendanceSettings.unscoped.get_or_create(institution=institution)
    return settings


@transaction.atomic
def attendance_settings_update(*, institution: Institution, **changes: Any) -> AttendanceSettings:
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationError(f"Not an attendance setting: {', '.join(sorted(unknown))}.")
    settings = attendance_settings_get(institution=institution)
    rule = changes.get("default_rule")
    if rule is not None and rule.institution_id != institution.pk:
        raise ValidationError({"default_rule": "The rule must belong to the same institution."})
    for name, value in changes.items():
        setattr(settings, name, value)
    if settings.notify_absences and not settings.absence_contact_email:
        raise ValidationError(
            {"absence_contact_email": "Give the contact to notify, or turn notifications off."}
        )
    settings.full_clean()
    settings.save()
    return settings


def rules_for_sessions(
    sessions: Sequence[Session],
) -> dict[int, tuple[AttendanceRule | None, RuleParams]]:
    """The rule of each session, in a constant number of queries.

    The session's own rule, else its unit's rule, else the institution's default, else the
    built-in defaults.
    """
    if not sessions:
        return {}
    institution_ids = {session.institution_id for session in sessions}
    unit_ids = {session.unit_id for session in sessions}
    links = AttendanceRule.units.through.objects.filter(unit_id__in=unit_ids).order_by(
        "attendancerule_id"
    )
    unit_rule_ids: dict[int, int] = {}
    for unit_id, rule_id in links.values_list("unit_id", "attendancerule_id"):
        unit_rule_ids.setdefault(unit_id, rule_id)
    default_rule_ids = dict(
        AttendanceSettings.unscoped.filter(
            institution_id__in=institution_ids, default_rule__isnull=False
        ).values_list("institution_id", "default_rule_id")
    )
    wanted = (
        {session.rule_id for session in sessions if session.rule_id}
        | set(unit_rule_ids.values())
        | set(default_rule_ids.values())
    )
    rules = {rule.pk: rule for rule in AttendanceRule.unscoped.filter(pk__in=wanted)}
    resolved: dict[int, tuple[AttendanceRule | None, RuleParams]] = {}
    for session in sessions:
        rule_id = (
            session.rule_id
            or unit_rule_ids.get(session.unit_id)
            or default_rule_ids.get(session.institution_id)
        )
        rule = rules.get(rule_id) if rule_id else None
        resolved[session.pk] = (rule, rule_params(rule))
    return resolved


def rule_for_session(session: Session) -> tuple[AttendanceRule | None, RuleParams]:
    return rules_for_sessions([session])[session.pk]


def _check_units(institution: Institution, rule: AttendanceRule | None, units: list[Unit]) -> None:
    if any(unit.institution_id != institution.pk for unit in units):
        raise ValidationError({"units": "Units must belong to the same institution."})
    taken = AttendanceRule.objects.filter(units__in=units)
    if rule is not None and rule.pk:
        taken = taken.exclude(pk=rule.pk)
    clashes = sorted({f"{u.code} ({u.rule_name})" for u in _units_with_rule(taken, units)})
    if clashes:
        raise ValidationError(
            {"units": f"These units already follow another rule: {', '.join(clashes)}."}
        )


def _units_with_rule(rules, units: list[Unit]) -> list[Unit]:
    taken: list[Unit] = []
    wanted = {unit.pk: unit for unit in units}
    for rule in rules.prefetch_related("units"):
        for unit in rule.units.all():
            if unit.pk in wanted:
                unit.rule_name = rule.name
                taken.append(unit)
    return taken


@transaction.atomic
def rule_create(
    *, institution: Institution, name: str, units: Iterable[Unit] = (), **thresholds: Any
) -> AttendanceRule:
    units = list(units)
    _check_units(institution, None, units)
    rule = AttendanceRule(institution=institution, name=name, **thresholds)
    rule.full_clean()
    rule.save()
    rule.units.set(units)
    return rule


@transaction.atomic
def rule_update(
    *, rule: AttendanceRule, units: Iterable[Unit] | None = None, **changes: Any
) -> AttendanceRule:
    for name, value in changes.items():
        setattr(rule, name, value)
    rule.full_clean()
    rule.save()
    if units is not None:
        units = list(units)
        _check_units(rule.institution, rule, units)
        rule.units.set(units)
    return rule


def rule_delete(*, rule: AttendanceRule) -> None:
    rule.delete()
