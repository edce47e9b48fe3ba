"""What can be the id of a row at all.

Ids beyond a bigint make the database raise (SQLite: OverflowError,
PostgreSQL: a DataError) instead of finding nothing; Django guards plain
integer lookups, not foreign keys or ``__in``. Every place that takes an id
from outside checks it here first, so such an id is simply "not found".
"""

MAX_ID = 2**63 - 1


def is_id(value: object) -> bool:
    """Whether ``value`` is an int that can be a primary key (positive, within a bigint)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def as_id(raw: object) -> int:
    """An id from a URL, a query or a form; ``ValueError`` for anything that cannot be one."""
    value = int(raw)  # type: ignore[call-overload]
    if not 0 < value <= MAX_ID:
        raise ValueError(raw)
    return value
