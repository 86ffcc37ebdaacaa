from __future__ import annotations

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from imhcpd.models import User
from imhcpd.roles import REGISTER_ADMINS_GROUP

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Test Person {n}")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(obj: User, create: bool, extracted: bool | None, **kwargs: object) -> None:
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class RegisterAdminFactory(UserFactory):
    full_name = factory.Sequence(lambda n: f"Register Administrator {n}")

    @factory.post_generation
    def in_group(obj: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            group, _ = Group.objects.get_or_create(name=REGISTER_ADMINS_GROUP)
            obj.groups.add(group)


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True


def give_totp(user: User) -> str:
    """Set up TOTP for a user directly, as the set-up page would; returns the secret."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


# --- Portfolios ------------------------------------------------------------------
# Built through the services, so every object has the history the app itself would write.


def make_portfolio(user: User, framework, **overrides):  # type: ignore[no-untyped-def]
    from portfolios.models import Profession, ProfessionalBody, Region, WorkSetting
    from portfolios.services import portfolio_create

    data = {
        "profession": Profession.HEALTH_VISITOR,
        "profession_other": "",
        "professional_body": ProfessionalBody.NMC,
        "registration_number": "12A3456E",
        "work_setting": WorkSetting.HEALTH_VISITING,
        "region": Region.NORTH_WEST,
        "target_level": 2,
    }
    data.update(overrides)
    return portfolio_create(user=user, framework=framework, data=data)


REFLECTION = {
    "what_happened": "During a home visit I watched a mother and her baby during a feed.",
    "so_what": "I noticed how the baby turned away when overwhelmed and the mother paused.",
    "now_what": "I will name these moments of attunement with parents more often.",
}


def make_evidence(
    portfolio, *, kind="reflective_account", codes=("1.01",), title="A home visit", **extra
):  # type: ignore[no-untyped-def]
    import datetime as dt

    from competencies.models import Competency
    from portfolios.services import EvidenceInput, LinkInput, evidence_create

    details = dict(REFLECTION) if kind == "reflective_account" else extra.pop("details", {})
    links = [
        LinkInput(
            competency=Competency.objects.get(framework_id=portfolio.framework_id, code=code),
            rationale=f"It shows {code} in practice.",
        )
        for code in codes
    ]
    data = EvidenceInput(
        title=title,
        date=extra.pop("date", dt.date(2026, 1, 15)),
        details=details,
        links=links,
        **extra,
    )
    return evidence_create(portfolio=portfolio, kind=kind, data=data, by=portfolio.user)


def png_bytes() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return buffer.getvalue()


def pdf_bytes(text: str = "Certificate of attendance") -> bytes:
    from weasyprint import HTML

    return HTML(string=f"<p>{text}</p>").write_pdf()


def make_supervision(portfolio, supervisor: User, role: str = "clinical_supervisor"):  # type: ignore[no-untyped-def]
    """An accepted supervision, through the same services as the invitation email link."""
    from portfolios.supervision.services import supervision_accept, supervision_invite

    invited = supervision_invite(
        portfolio=portfolio,
        name=supervisor.full_name,
        email=supervisor.email,
        role=role,
        by=portfolio.user,
    )
    return supervision_accept(supervision=invited, user=supervisor)


def make_export(owner: User, *, kind: str = "portfolio", level: int = 2, done: bool = True):  # type: ignore[no-untyped-def]
    """An export row through the request service; `done` stores a stand-in file as the worker
    would, without spending seconds in WeasyPrint (tests of the PDF itself render for real)."""
    import hashlib

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from portfolios.exports.models import PortfolioExport, private_storage
    from portfolios.exports.services import export_request
    from portfolios.exports.snapshot import ExportOptions

    export, _ = export_request(user=owner, options=ExportOptions(kind=kind, level=level))
    if done:
        body = b"%PDF-1.7\n% stand-in for a rendered export\n"
        name = private_storage().save(
            f"exports/{owner.pk}/{export.pk}-{export.code}.pdf", ContentFile(body)
        )
        PortfolioExport.objects.filter(pk=export.pk).update(
            status=PortfolioExport.Status.DONE,
            progress=100,
            file=name,
            file_sha256=hashlib.sha256(body).hexdigest(),
            file_size=len(body),
            page_count=1,
            finished_at=timezone.now(),
        )
        export.refresh_from_db()
    return export


def make_eligible(practitioner: User, supervisor: User, level: int = 2):  # type: ignore[no-untyped-def]
    """Everything the register asks at `level`: every competency rated achieved and signed
    off through one item per domain, and an active supervision (returned)."""
    from competencies.models import Competency
    from portfolios.models import Rating
    from portfolios.services import RatingInput, self_assessment_record
    from portfolios.supervision.models import Supervision
    from portfolios.supervision.services import evidence_submit, review_sign_off

    portfolio = practitioner.portfolio
    competencies = list(
        Competency.objects.filter(framework_id=portfolio.framework_id).order_by("order")
    )
    self_assessment_record(
        portfolio=portfolio,
        ratings=[RatingInput(competency=c, rating=Rating.ACHIEVED) for c in competencies],
        level=level,
    )
    supervision = Supervision.objects.filter(
        portfolio=portfolio, supervisor=supervisor, status="active"
    ).first() or make_supervision(portfolio, supervisor)
    domains: dict[int, list[str]] = {}
    for c in competencies:
        domains.setdefault(c.domain.number, []).append(c.code)
    for number, codes in domains.items():
        evidence = make_evidence(
            portfolio, codes=tuple(codes), title=f"Practice in domain {number}"
        )
        revision = evidence_submit(evidence=evidence, supervision=supervision, by=practitioner)
        review_sign_off(revision=revision, by=supervisor, declared=True)
    return supervision


def make_returned(practitioner: User, supervisor: User, feedback: str, **evidence_kwargs):  # type: ignore[no-untyped-def]
    """An item submitted to `supervisor` and returned with `feedback`, through the services."""
    from portfolios.supervision.services import evidence_submit, review_return

    supervision = make_supervision(practitioner.portfolio, supervisor)
    evidence = make_evidence(practitioner.portfolio, **evidence_kwargs)
    revision = evidence_submit(evidence=evidence, supervision=supervision, by=practitioner)
    review_return(revision=revision, by=supervisor, feedback=feedback)
    evidence.refresh_from_db()
    return evidence
