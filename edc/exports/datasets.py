"""One domain dataset as bytes.

A stream domain's dataset is one query compiled by Django for the database at hand
(``spec.Stream.queryset``). On PostgreSQL its CSV is that query streamed by ``COPY``
(``edc.exports.pgcsv``); otherwise (SQLite, JSON, JSON Lines) the same query's rows go through
the Python writers. A domain built in Python (DM, DS, TU/TR/RS) always takes the writers.
"""

from collections.abc import Iterator

from . import pgcsv
from .constants import ExportFormat
from .context import ExportContext
from .spec import Domain
from .writers import WRITERS, RowCount


def dataset_bytes(
    domain: Domain, ctx: ExportContext, fmt: str, counter: RowCount
) -> Iterator[bytes]:
    """The dataset in ``fmt`` for ``ctx``'s reader; run it inside ``in_read_transaction``.

    Lazy: nothing is read (not even to plan the SQL) before the first piece is asked for,
    so every read happens inside the read transaction, on the database it reads.
    """
    variables = domain.variables_for(deidentified=ctx.deidentified)
    if fmt == ExportFormat.CSV and (plan := pgcsv.plan(domain, variables, ctx)) is not None:
        yield from pgcsv.csv_bytes(plan, counter)
    else:
        yield from WRITERS[fmt](variables, domain.rows(ctx, variables), counter)
