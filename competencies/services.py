"""The only code that writes framework data."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from competencies.formats import FrameworkData
from competencies.models import (
    Competency,
    Descriptor,
    Domain,
    Framework,
    FrameworkEvent,
    Level,
)
from imhcpd.models import User


class FrameworkVersionExists(Exception):
    def __init__(self, framework: Framework) -> None:
        self.framework = framework
        super().__init__(
            f"{framework} is already loaded; frameworks in use are never altered. "
            "Import the new text under a new --framework-version."
        )


@transaction.atomic
def framework_import(
    *, data: FrameworkData, by: User | None = None, activate: bool = False, source_name: str = ""
) -> Framework:
    """Create a new framework version from parsed data, in one transaction."""
    existing = Framework.objects.filter(name=data.name, version=data.version).first()
    if existing is not None:
        raise FrameworkVersionExists(existing)
    try:
        framework = Framework.objects.create(
            name=data.name,
            version=data.version,
            source=data.source,
            licence_note=data.licence_note,
            is_illustrative=data.is_illustrative,
        )
    except IntegrityError:  # lost a race with a concurrent import of the same version
        raise FrameworkVersionExists(
            Framework.objects.get(name=data.name, version=data.version)
        ) from None

    levels = Level.objects.bulk_create(
        Level(framework=framework, number=lv.number, name=lv.name, description=lv.description)
        for lv in data.levels
    )
    level_by_number = {lv.number: lv for lv in levels}
    domains = Domain.objects.bulk_create(
        Domain(framework=framework, number=d.number, title=d.title, description=d.description)
        for d in data.domains
    )
    competencies: list[Competency] = []
    pending_descriptors: list[tuple[Competency, int, str]] = []
    order = 0
    for domain, domain_data in zip(domains, data.domains, strict=True):
        for comp in domain_data.competencies:
            order += 1
            competency = Competency(
                framework=framework,
                domain=domain,
                code=comp.code,
                group=comp.group,
                title=comp.title,
                order=order,
            )
            competencies.append(competency)
            pending_descriptors.extend((competency, n, text) for n, text in comp.descriptors)
    Competency.objects.bulk_create(competencies)
    Descriptor.objects.bulk_create(
        Descriptor(competency=c, level=level_by_number[n], text=text)
        for c, n, text in pending_descriptors
    )
    FrameworkEvent.objects.create(
        framework=framework,
        action=FrameworkEvent.Action.IMPORTED,
        actor=by,
        detail=(
            f"{len(domains)} domains, {len(competencies)} competencies, "
            f"{len(pending_descriptors)} descriptors"
            + (f" from {source_name}" if source_name else "")
        ),
    )
    if activate:
        framework_activate(framework=framework, by=by)
    return framework


@transaction.atomic
def framework_activate(*, framework: Framework, by: User | None = None) -> Framework:
    """Make `framework` the version new portfolios and the public pages use."""
    previous = list(
        Framework.objects.select_for_update().filter(is_active=True).exclude(pk=framework.pk)
    )
    for old in previous:
        Framework.objects.filter(pk=old.pk).update(is_active=False)
        FrameworkEvent.objects.create(
            framework=old,
            action=FrameworkEvent.Action.DEACTIVATED,
            actor=by,
            detail=f"replaced by {framework.version}",
        )
    updated = Framework.objects.filter(pk=framework.pk, is_active=False).update(is_active=True)
    if updated:
        FrameworkEvent.objects.create(
            framework=framework, action=FrameworkEvent.Action.ACTIVATED, actor=by
        )
    framework.is_active = True
    return framework
