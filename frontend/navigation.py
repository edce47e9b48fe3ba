"""The main menu and the overview panels, filled in by each area's views module.

Areas register here instead of editing shared templates, so that each
capability stays in its own module.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.utils.functional import Promise


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    roles: frozenset[str]
    order: int = 50
    # Pages (URL names) this item stands for although their paths sit under another
    # item's: the team chat lives at /teams/<id>/chat/ but belongs to "Chat".
    claims: frozenset[str] = frozenset()
    # A predicate (from a selectors module) the person must also meet, e.g. "acts as werkbegeleider".
    when: Callable[[Any], bool] | None = None


@dataclass
class Panel:
    """A block on a role's "Mijn overzicht" page."""

    render: Callable[[HttpRequest], str]
    roles: frozenset[str]
    order: int = 50


@dataclass
class Registry:
    nav: list[NavItem] = field(default_factory=list)
    panels: list[Panel] = field(default_factory=list)


registry = Registry()


def nav_item(
    label: str | Promise,
    url_name: str,
    *roles: str,
    order: int = 50,
    claims: tuple[str, ...] = (),
    when: Callable[[Any], bool] | None = None,
) -> None:
    registry.nav.append(
        NavItem(
            label=label, url_name=url_name, roles=frozenset(roles), order=order, claims=frozenset(claims), when=when
        )
    )


def overview_panel(
    *roles: str, order: int = 50
) -> Callable[[Callable[[HttpRequest], str]], Callable[[HttpRequest], str]]:
    def decorator(func: Callable[[HttpRequest], str]) -> Callable[[HttpRequest], str]:
        registry.panels.append(Panel(render=func, roles=frozenset(roles), order=order))
        return func

    return decorator


def nav_for(role: str, user: Any = None) -> list[NavItem]:
    """The menu of ``role``; with ``user``, only the items whose ``when`` that person meets."""
    items = (i for i in registry.nav if role in i.roles and (i.when is None or (user is not None and i.when(user))))
    return sorted(items, key=lambda i: i.order)


def panels_for(role: str) -> list[Panel]:
    return sorted((p for p in registry.panels if role in p.roles), key=lambda p: p.order)
