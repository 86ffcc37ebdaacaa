"""The shipped illustrative framework has the IMHCF's shape."""

from __future__ import annotations

import json
import re
from collections import Counter

from tests.conftest import FIXTURE, shipped_framework_data

DOMAIN_TITLES = [
    "Relationship-based practice",
    "Normal and atypical development",
    "Factors that influence caregiving capacity",
    "Assessment of caregiving",
    "Supporting caregiving",
    "Reflective practice and supervision",
    "Working with relevant legal and professional frameworks",
]


def test_counts_and_titles() -> None:
    data = shipped_framework_data()
    assert [d.title for d in data.domains] == DOMAIN_TITLES
    assert [d.number for d in data.domains] == list(range(1, 8))
    assert len(data.domains[0].competencies) == 10
    assert data.competency_count == 63
    assert data.descriptor_count == 189
    assert [(lv.number, lv.name) for lv in data.levels] == [
        (1, "Informed Practice"),
        (2, "Enhanced Practice"),
        (3, "Specialist Practice"),
    ]
    assert all(lv.description for lv in data.levels)


def test_codes_are_unique_consecutive_and_in_their_domain() -> None:
    data = shipped_framework_data()
    codes = [c.code for d in data.domains for c in d.competencies]
    assert len(set(codes)) == 63
    for domain in data.domains:
        expected = [f"{domain.number}.{i:02d}" for i in range(1, len(domain.competencies) + 1)]
        assert [c.code for c in domain.competencies] == expected


def test_every_competency_has_three_distinct_descriptors_and_a_group() -> None:
    data = shipped_framework_data()
    texts = Counter()
    for domain in data.domains:
        for c in domain.competencies:
            assert c.group and c.title
            assert [n for n, _ in c.descriptors] == [1, 2, 3]
            for _, text in c.descriptors:
                assert text.startswith("Knowledge about")
                assert "The ability to use the above knowledge to" in text
                texts[text] += 1
    assert max(texts.values()) == 1
    titles = [c.title for d in data.domains for c in d.competencies]
    assert len(set(titles)) == len(titles)


def test_marked_illustrative_and_not_attributed_to_aimh() -> None:
    raw = json.loads(FIXTURE.read_text(encoding="utf-8"))
    meta = raw["framework"]
    assert meta["is_illustrative"] is True
    assert "illustrative" in meta["name"].lower()
    assert re.search(r"not\b.*official", meta["licence_note"], re.IGNORECASE | re.DOTALL)


def test_level_three_adds_supervision_and_service_development() -> None:
    data = shipped_framework_data()
    level3 = [dict(c.descriptors)[3].lower() for d in data.domains for c in d.competencies]
    # Every Level 3 statement reaches beyond one's own practice to others or the service.
    beyond = ("supervis", "train", "consult", "service", "lead", "manag")
    assert all(any(word in text for word in beyond) for text in level3)
    assert sum(("supervis" in t or "train" in t) for t in level3) >= 40
