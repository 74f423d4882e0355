"""DynamoDB Query reads one partition, as DynamoDB does (moto's reads the whole table)."""

from __future__ import annotations

from typing import Any


class _Partition:
    """A moto ``Table`` seen through one partition: ``all_items()`` is that partition only.

    Everything else (key schema, pagination helpers, indexes) is the table's own.
    """

    def __init__(self, table: Any, hash_key: Any) -> None:
        self._table = table
        self._hash_key = hash_key

    def __getattr__(self, name: str) -> Any:
        return getattr(self._table, name)

    def all_items(self) -> list[Any]:
        found = self._table.items.get(self._hash_key)
        if found is None:
            return []
        return list(found.values()) if self._table.range_key_attr else [found]


def install_partition_query() -> None:
    """Make moto's table Query read one partition instead of the whole table.

    moto 5.2.5's ``Table.query`` walks ``all_items()`` (every item, sorted) and keeps the
    ones whose hash key matches, so listing 20 photos costs what the *table* holds
    (1.2 s at 200k items). DynamoDB reads only the partition the key condition names
    (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.html: "A Query
    operation ... finds items based on primary key values"; its cost is the items read,
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html).
    A Query on the base table therefore runs moto's own code against a
    :class:`_Partition` view; Queries on an index keep moto's scan. Idempotent.
    """
    from moto.dynamodb.models.table import Table

    original = Table.query
    if getattr(original, "_local_stack_partition", False):
        return

    def query(
        self: Any,
        hash_key: Any,
        range_comparison: Any,
        range_objs: Any,
        limit: Any,
        exclusive_start_key: Any,
        scan_index_forward: Any,
        projection_expressions: Any,
        index_name: str | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        table = self if index_name or hash_key is None else _Partition(self, hash_key)
        return original(
            table,
            hash_key,
            range_comparison,
            range_objs,
            limit,
            exclusive_start_key,
            scan_index_forward,
            projection_expressions,
            index_name,
            *args,
            **kwargs,
        )

    query._local_stack_partition = True  # type: ignore[attr-defined]
    Table.query = query
