"""People's names in the order a Dutch reader expects: Ayşe before Bakker, Özdemir among the O's.

Both databases compared names byte by byte (PostgreSQL's "C" collation, SQLite's BINARY), so every
name that starts with a lower-case or accented letter (Özdemir, Şahin, Çelik, émile: common in
Rotterdam) came after Zwart. One collation, ``wijklab_names``, orders them instead: on PostgreSQL an
ICU collation for Dutch, created by migration 0011; on SQLite the same order in Python, registered
on every connection (``register_sqlite_functions``, connected in ``WijklabConfig.ready``).
``by_name()`` is that order in a query, ``name_key()`` in Python.

Searching works the same way: ``unaccented()`` is PostgreSQL's ``unaccent`` (an extension that migration
0011 creates too), and on SQLite a function of the same name that ``fold()`` implements, so "ozdemir"
finds Özdemir and "yilmaz" Yılmaz (``wijklab.selectors.containing``)."""

import unicodedata
from typing import Any

from django.db.models import CharField, Expression, F, Func
from django.db.models.functions import Collate

NAME_COLLATION = "wijklab_names"


def by_name(expression: str | Expression) -> Collate:
    """A name field or expression, ordered as names (``order_by(by_name("display_name"))``)."""
    return Collate(F(expression) if isinstance(expression, str) else expression, NAME_COLLATION)


# Letters that Unicode does not decompose into a base letter and an accent, as PostgreSQL's
# unaccent rules write them (Turkish dotless i, Scandinavian ø, German ß, ligatures).
_UNDECOMPOSED = str.maketrans(
    {
        "ı": "i",
        "ø": "o",
        "Ø": "O",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "đ": "d",
        "Đ": "D",
        "ł": "l",
        "Ł": "L",
    }
)


def fold(text: str) -> str:
    """``text`` without accents (Özdemir → Ozdemir, Yılmaz → Yilmaz), case kept: unaccent's result."""
    stripped = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped.translate(_UNDECOMPOSED))


def name_key(text: str) -> tuple[str, str, str]:
    """Letters without accents and case first (Ö with the O's), then accents, then case with lower
    case first, as ICU's Dutch collation does."""
    folded = text.casefold()
    return (fold(folded), folded, text.swapcase())


class Unaccent(Func):
    function = "unaccent"
    output_field = CharField()


def unaccented(field: str) -> Unaccent:
    """A text field without accents, for searching (``fold`` of the query is what it is compared to)."""
    return Unaccent(F(field))


def _compare(a: str, b: str) -> int:
    ka, kb = name_key(a), name_key(b)
    return (ka > kb) - (ka < kb)


def _unaccent(text: str | None) -> str | None:
    return None if text is None else fold(text)


def register_sqlite_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_collation(NAME_COLLATION, _compare)
        connection.connection.create_function("unaccent", 1, _unaccent, deterministic=True)
