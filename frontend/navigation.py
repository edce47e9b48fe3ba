"""The main menu and the overview panels, filled in by each area's views module.

Areas register here instead of editing shared templates, so that each
capability stays in its own module.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

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


def nav_item(label: str | Promise, url_name: str, *roles: str, order: int = 50, claims: tuple[str, ...] = ()) -> None:
    registry.nav.append(
        NavItem(label=label, url_name=url_name, roles=frozenset(roles), order=order, claims=frozenset(claims))
    )


def overview_panel(
    *roles: str, order: int = 50
) -> Callable[[Callable[[HttpRequest], str]], Callable[[HttpRequest], str]]:
    def decorator(func: Callable[[HttpRequest], str]) -> Callable[[HttpRequest], str]:
        registry.panels.append(Panel(render=func, roles=frozenset(roles), order=order))
        return func

    return decorator


def nav_for(role: str) -> list[NavItem]:
    return sorted((i for i in registry.nav if role in i.roles), key=lambda i: i.order)


def panels_for(role: str) -> list[Panel]:
    return sorted((p for p in registry.panels if role in p.roles), key=lambda p: p.order)
