"""The JSON documents: the issuer profile, the achievement for each level, the credential,
and the status list credential. Only data here; signing is in `services`.

The @context URLs name the JSON-LD contexts that openbadgeslib ships inside its wheel
(`openbadgeslib.ob3.contexts`): nothing is fetched at run time, and a test checks every
context we name resolves from that bundle.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.urls import reverse
from openbadgeslib.ob3.status_list import build_status_list_credential, status_entry

from competencies.formats.case import API_PATH, Ids
from competencies.models import Competency, Framework
from imhcpd.links import absolute_url

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CONTEXTS = [VC_CONTEXT, OB_CONTEXT]
OB_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
STATUS_LIST = 1
# The Bitstring Status List minimum: a list this size hides who is in it.
STATUS_LIST_BITS = 131072
STATUS_PURPOSE = "revocation"
TITLE = "IMH Recognition Register"


def issuer_id() -> str:
    return absolute_url(reverse("register:credential_issuer"))


def status_list_url() -> str:
    return absolute_url(reverse("register:credential_status", args=[STATUS_LIST]))


def badge_url(level: int) -> str:
    return absolute_url(reverse("register:credential_badge", args=[level]))


def achievement_url(framework: Framework, level: int) -> str:
    document = Ids(framework.name, framework.version).document
    return absolute_url(reverse("register:credential_achievement", args=[document, level]))


def issuer_profile() -> dict[str, Any]:
    return {
        "@context": CONTEXTS,
        "id": issuer_id(),
        "type": ["Profile"],
        "name": settings.CREDENTIAL_ISSUER_NAME,
        "url": settings.CREDENTIAL_ISSUER_URL,
        "email": settings.CREDENTIAL_ISSUER_EMAIL,
        "description": (
            f"Operator of the {TITLE}, which recognises infant mental health practitioners "
            "against the Infant Mental Health Competency Framework."
        ),
    }


def _issuer_summary() -> dict[str, Any]:
    profile = issuer_profile()
    return {k: profile[k] for k in ("id", "type", "name", "url", "email")}


def level_title(framework: Framework, level: int) -> str:
    name = framework.levels.filter(number=level).values_list("name", flat=True).first()
    return f"{TITLE} — Level {level}" + (f" ({name})" if name else "")


def _alignments(framework: Framework, level: int) -> list[dict[str, Any]]:
    """Each domain as its CASE CFItem, then the rubric level this register level stands for
    in each competency: what a reader needs to see exactly what was signed off."""
    ids = Ids(framework.name, framework.version)
    api = absolute_url(API_PATH)
    rubric = f"{api}/CFRubrics/{ids.rubric}"
    level_name = framework.levels.filter(number=level).values_list("name", flat=True).first()
    aligned = [
        {
            "type": ["Alignment"],
            "targetType": "CFItem",
            "targetName": f"Domain {domain.number}: {domain.title}",
            "targetUrl": f"{api}/CFItems/{ids.domain(domain.number)}",
            "targetCode": str(domain.number),
            "targetFramework": f"{framework.name} ({framework.version})",
        }
        for domain in framework.domains.order_by("number")
    ]
    for code, title in (
        Competency.objects.filter(framework=framework)
        .order_by("domain__number", "order")
        .values_list("code", "title")
    ):
        aligned.append(
            {
                "type": ["Alignment"],
                "targetType": "CFRubricCriterionLevel",
                "targetName": f"{code} {title} — Level {level} ({level_name})",
                "targetUrl": f"{rubric}#{ids.criterion_level(code, level)}",
                "targetCode": code,
                "targetFramework": f"{framework.name} ({framework.version})",
            }
        )
    return aligned


def achievement(framework: Framework, level: int) -> dict[str, Any]:
    illustrative = (
        " The framework text this installation holds is illustrative, not AiMH UK's own."
        if framework.is_illustrative
        else ""
    )
    return {
        "id": achievement_url(framework, level),
        "type": ["Achievement"],
        "achievementType": "Certification",
        "name": level_title(framework, level),
        "description": (
            f"Recognition on the {TITLE} at Level {level} of the Infant Mental Health "
            f"Competency Framework ({framework.name}, version {framework.version})." + illustrative
        ),
        "criteria": {
            "narrative": (
                f"Every competency of the framework self-assessed as achieved at Level {level} "
                f"and evidenced by work a supervisor signed off at Level {level} or above; "
                "an active supervisor's endorsement, references and signed declarations; "
                "reviewed and approved by the register's administrators. The entry is renewed "
                "each year with CPD and reflective supervision."
            )
        },
        "image": {"id": badge_url(level), "type": "Image", "caption": f"Level {level} badge"},
        "creator": _issuer_summary(),
        "alignment": _alignments(framework, level),
    }


def identity_hash(email: str, salt: str) -> str:
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


def _start(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _end(day: dt.date) -> str:
    # Valid through the whole of the entry's last day.
    return f"{day.isoformat()}T23:59:59Z"


def credential_document(
    *,
    jti: str,
    framework: Framework,
    level: int,
    name: str,
    number: str,
    email: str,
    valid_from: dt.date,
    valid_until: dt.date,
    status_index: int,
    awarded: dt.datetime,
) -> dict[str, Any]:
    salt = secrets.token_hex(16)
    return {
        "@context": CONTEXTS,
        "id": f"urn:uuid:{jti}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": level_title(framework, level),
        "issuer": _issuer_summary(),
        "validFrom": _start(valid_from),
        "validUntil": _end(valid_until),
        "awardedDate": awarded.astimezone(dt.UTC).replace(microsecond=0).isoformat(),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            # The email is hashed with a salt: a wallet can prove it is the holder's without
            # the credential handing the address to everyone who reads it. The name and
            # number are on the public register already.
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "emailAddress",
                    "hashed": True,
                    "identityHash": identity_hash(email, salt),
                    "salt": salt,
                },
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": name,
                },
                {
                    "type": "IdentityObject",
                    "identityType": "identifier",
                    "hashed": False,
                    "identityHash": number,
                },
            ],
            "achievement": achievement(framework, level),
        },
        "credentialStatus": status_entry(status_list_url(), STATUS_PURPOSE, status_index),
        "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }


def status_list_document(revoked: list[int], now: dt.datetime) -> dict[str, Any]:
    return build_status_list_credential(
        issuer_id(),
        status_list_url(),
        STATUS_PURPOSE,
        revoked,
        size_bits=STATUS_LIST_BITS,
        issued=now,
        # A copy older than a day is refused by careful verifiers: an old list replayed
        # cannot bring a revoked credential back.
        valid_until=now + dt.timedelta(days=1),
        ttl=300_000,
    )
