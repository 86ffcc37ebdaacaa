"""What the navigation shows a person, assembled from what each app contributes.

imhcpd knows no app. Each app registers, in its `AppConfig.ready()`, the flags it can answer
about a user (a subquery annotation: "has a portfolio", "supervises someone", "unread
notifications") and, for a role, the page that person lands on. Every flag is read in one
query, so the navigation costs a page one query however many apps contribute.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection

from imhcpd.models import User


@dataclass(frozen=True)
class Flag:
    annotation: Callable[[], Any]  # built when asked: models may not be ready at registration
    landing: str | None  # URL name: a role's own home page; None for a plain flag
    fallback: bool  # the role of someone who has no other role yet


@dataclass(frozen=True)
class Link:
    key: str
    label: str
    url_name: str
    role: str | None  # a flag name, "staff", or None for everyone (signed in or not)
    order: int  # lower comes first; links past MAX_PRIMARY go to the account menu
    matches: tuple[str, ...]  # "namespace:url_name" patterns (fnmatch) that mark it current


# More than six primary links wrap on a laptop at 125 % zoom and crowd a phone's menu.
MAX_PRIMARY = 6

_FLAGS: dict[str, Flag] = {}
_LINKS: dict[str, Link] = {}
# The flags' query as SQL, per database vendor: (sql, params, where the user's id goes).
_SQL: dict[str, tuple[str, list[Any], int]] = {}
# Stands in for the user's id while the query is built; never a real primary key.
_SENTINEL = -7_340_217_113


def register_flag(
    name: str,
    annotation: Callable[[], Any],
    *,
    landing: str | None = None,
    fallback: bool = False,
) -> None:
    """A flag read for every signed-in page. Its annotation must depend only on the user's
    rows, never on the time of the request: its SQL is built once per process (_flags_sql)."""
    _FLAGS[name] = Flag(annotation=annotation, landing=landing, fallback=fallback)
    _SQL.clear()


def register_link(
    key: str,
    label: str,
    url_name: str,
    *,
    role: str | None,
    order: int,
    matches: tuple[str, ...] = (),
) -> None:
    """A page in the navigation for the people holding `role`. The six lowest `order`s a
    person can see are the primary links; the rest appear under "More" in the account menu."""
    _LINKS[key] = Link(key, label, url_name, role, order, matches or (url_name,))


class Navigation:
    """Flags read as attributes (`nav.supervisor`, `nav.unread`); one nobody registered is
    False, so a template never breaks because an app is absent."""

    def __init__(self, *, signed_in: bool, staff: bool, values: dict[str, Any]) -> None:
        self.signed_in = signed_in
        self.staff = staff
        self._values = values

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._values.get(name, False)

    def _visible(self, link: Link) -> bool:
        if link.role is None:
            return True
        if link.role == "staff":
            return self.staff
        return bool(self._values.get(link.role))

    def links(self, current: str = "") -> list[dict[str, Any]]:
        """Every link this person may see, in order, each marked current or not; `current`
        is the page's "namespace:url_name"."""
        shown = sorted(
            (link for link in _LINKS.values() if self._visible(link)), key=lambda k: k.order
        )
        return [
            {
                "key": link.key,
                "label": link.label,
                "url_name": link.url_name,
                "current": any(fnmatchcase(current, pattern) for pattern in link.matches),
            }
            for link in shown
        ]

    @property
    def landing(self) -> str | None:
        """The URL name of the first role this person has, in the apps' order."""
        for name, flag in _FLAGS.items():
            if flag.landing and self._values.get(name):
                return flag.landing
        return None


def _flags_sql() -> tuple[str, list[Any], int]:
    """Every page signed in asks the same question of a different user: building it through
    the ORM cost more Python than anything else on a plain page (the load benchmark's
    profile), so it is built once and only the user's id changes. Still one query, read
    fresh from the database every time: nothing is cached that could go stale."""
    key = connection.vendor
    if key not in _SQL:
        query = (
            User.objects.filter(pk=_SENTINEL)
            .annotate(**{f"nav_{name}": flag.annotation() for name, flag in _FLAGS.items()})
            .values(*(f"nav_{name}" for name in _FLAGS))
            .order_by()[:1]
        ).query
        sql, params = query.sql_with_params()
        positions = [i for i, p in enumerate(params) if p == _SENTINEL]
        if len(positions) != 1:  # pragma: no cover - a flag that names the sentinel itself
            raise RuntimeError("the navigation query must take the user's id exactly once")
        _SQL[key] = (sql, list(params), positions[0])
    return _SQL[key]


def _flag_values(user_id: int) -> dict[str, Any]:
    sql, params, at = _flags_sql()
    params = [*params[:at], user_id, *params[at + 1 :]]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return dict(zip(_FLAGS, row, strict=True)) if row else {}


def navigation_for(user: User | AnonymousUser) -> Navigation:
    if not user.is_authenticated:
        return Navigation(signed_in=False, staff=False, values={})
    values = _flag_values(user.pk)
    flags = {name: values.get(name) or False for name in _FLAGS}
    roles = [name for name, flag in _FLAGS.items() if flag.landing]
    for name in roles:
        if _FLAGS[name].fallback:
            # e.g. a new account with no portfolio yet is shown the practitioner's pages,
            # but a supervisor or administrator without a portfolio is not.
            flags[name] = flags[name] or not any(flags[o] for o in roles if o != name)
    if "register_admin" in flags:
        user._is_register_admin = bool(flags["register_admin"])  # spares roles a query
    return Navigation(signed_in=True, staff=user.is_staff, values=flags)
