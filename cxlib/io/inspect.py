"""Inspecting a source before loading it: how it was read, its columns, the roles guessed.

The Data page's import assistant shows this for every upload and lets a person change
any of it: :func:`inspect` reads a source once (with the reading options given, or
found out) and recognises its roles without raising (what cannot be mapped is in
``recognition.problems``); :meth:`Inspection.parsed` counts the rows a timestamp column
and format would parse ("N of M rows parse"); :meth:`Inspection.load` loads the table
already read, with the roles and format chosen.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from cxlib.errors import LoadError
from cxlib.io import loader
from cxlib.io.readers import Table, read
from cxlib.io.recognize import Layout, Recognition, recognize, timestamp_source
from cxlib.io.timestamps import detect_format, explicit_format, parse_expr
from cxlib.log import EventLog

__all__ = ["PREVIEW_ROWS", "Inspection", "inspect"]

#: Rows of the source shown as its preview.
PREVIEW_ROWS = 20


@dataclass(frozen=True)
class Inspection:
    """A source read and looked at: everything the import assistant shows about it.

    ``table`` is the source as read (its format, layout, encoding, sheets, notes);
    ``preview`` its first rows; ``rows`` how many it has (``None`` for sources left
    where they live); ``recognition`` the roles guessed, with ``problems``.
    """

    table: Table
    preview: pl.DataFrame
    rows: int | None
    recognition: Recognition
    #: :meth:`parsed`'s counts by columns and format: the assistant asks on every run of
    #: its page (10M events: 0.4 s a count).
    _counted: dict[tuple[tuple[str, ...], str | None], tuple[int, int]] = dataclasses.field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def columns(self) -> list[str]:
        """The source's columns, as read."""
        return self.preview.columns

    def parsed(
        self, timestamp: str | Sequence[str], timestamp_format: str | None
    ) -> tuple[int, int]:
        r"""How many of the rows with a value in ``timestamp`` parse as ``timestamp_format``.

        The format is detected when ``None``; counted on the whole source when it is in
        memory, else on its sample, once per column and format. Raises
        :class:`~cxlib.errors.MappingError` for a format that cannot be used.

        Examples
        --------
        >>> found = inspect(b"user,event,when\nu1,a,05.01.2024 10:15\nu1,b,13.01.2024 25:00\n")
        >>> found.parsed("when", "%d.%m.%Y %H:%M"), found.parsed("when", None)
        ((1, 2), (1, 2))
        """
        key = ((timestamp,) if isinstance(timestamp, str) else tuple(timestamp), timestamp_format)
        if (known := self._counted.get(key)) is None:
            known = self._counted[key] = self._count(*key)
        return known

    def _count(self, columns: tuple[str, ...], timestamp_format: str | None) -> tuple[int, int]:
        frame = self.table.frame
        scope = frame if isinstance(frame, pl.DataFrame) else loader.sample_of(frame)
        sample = loader.sample_of(scope)
        source = timestamp_source(sample, columns)
        values = sample.select(source).to_series()
        fmt = explicit_format(timestamp_format) if timestamp_format else detect_format(values)
        given = scope.select(source.is_not_null().sum()).item()
        if fmt is None:
            return 0, given
        parsed = scope.select(parse_expr(source, fmt, values.dtype).is_not_null().sum()).item()
        return parsed, given

    def load(
        self,
        roles: dict[str, str | Sequence[str] | None] | None = None,
        *,
        timestamp_format: str | None = None,
        layout: Layout | None = None,
    ) -> EventLog:
        """Load the table already read, with the roles (role -> column), format and layout given."""
        return loader.load_table(
            self.table, roles, timestamp_format=timestamp_format, layout=layout
        )


def inspect(
    source: Any,
    *,
    roles: dict[str, str | Sequence[str] | None] | None = None,
    timestamp_format: str | None = None,
    layout: Layout | None = None,
    **read_options: Any,
) -> Inspection:
    r"""Read a source and guess its roles, raising only when it cannot be read at all.

    ``roles`` maps roles (``"customer_id"``, ``"timestamp"``, ...) to columns chosen;
    ``read_options`` are those of :func:`cxlib.load` that say how to read (``separator``,
    ``encoding``, ``sheet``, ``header``, ``table``).

    Examples
    --------
    >>> found = inspect(b"InvoiceNo;CustomerID;InvoiceDate;Amount\n1;c1;2024-01-05;9.5\n")
    >>> found.table.layout.separator, found.columns
    (';', ['InvoiceNo', 'CustomerID', 'InvoiceDate', 'Amount'])
    >>> {role: m.column for role, m in found.recognition.mapping.items()}
    {'timestamp': 'InvoiceDate', 'customer_id': 'CustomerID', 'touchpoint': 'purchase', 'value': 'Amount'}
    """
    with loader.foreign_errors("the source"):
        tab = read(source, **read_options)
        sample = loader.sample_of(tab.frame)
    if sample.width == 0:
        msg = f"{tab.name!r} has no columns: choose another separator, or check the file"
        raise LoadError(msg)
    rec = recognize(
        sample, roles or {}, timestamp_format=timestamp_format, layout=layout, strict=False
    )
    if rec.layout == "dated_columns":  # the other roles as they are once rows are made
        _, melted = loader.dated_rows(
            tab, rec, roles or {}, timestamp_format, given=layout is not None, strict=False
        )
        others = {r: c for r, c in melted.sources.items() if r not in ("timestamp", "touchpoint")}
        rec = dataclasses.replace(melted, sources=others)
    rows = tab.frame.height if isinstance(tab.frame, pl.DataFrame) else None
    return Inspection(tab, sample.head(PREVIEW_ROWS), rows, rec)
