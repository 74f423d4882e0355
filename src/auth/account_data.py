"""The user's rows in the photos table, erased when the account is deleted.

Table ``PHOTOS_TABLE_NAME``: partition key ``user_sub``, sort key ``photo_id``
(src/photos/store.py). Only the rows are deleted here: the table's stream delivers each
``REMOVE`` to PurgePhotoFunction, which deletes the S3 object, the same path a single
photo delete takes. Deleting is idempotent: a second run finds nothing and deletes nothing.

Written here rather than imported from ``photos.store``: each service is packaged on its
own (tools/build_function.py), so the broker cannot import the photos package.
"""

from __future__ import annotations

import time
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from auth.cognito import dynamodb_client
from auth.errors import UPSTREAM_UNREACHABLE, UpstreamError

#: BatchWriteItem takes at most 25 requests (DynamoDB API reference, BatchWriteItem).
BATCH_LIMIT = 25
#: Rounds of retrying UnprocessedItems, with exponential backoff from 50 ms (the
#: DynamoDB developer guide recommends backoff for unprocessed items).
MAX_ROUNDS = 6


class PhotoRows:
    """Deletes every row of one owner (``user_sub``) from the photos table.

    Args:
        table_name: the photos table.
        client: a boto3 ``dynamodb`` client; tests pass a moto-backed one.
    """

    def __init__(self, table_name: str, client: Any | None = None) -> None:
        self.table_name = table_name
        self._client = client

    @property
    def client(self) -> Any:
        """The boto3 dynamodb client: the one given, or the broker's shared one."""
        return self._client or dynamodb_client()

    def delete_all(self, user_sub: str) -> int:
        """Delete every row whose ``user_sub`` is ``user_sub``; returns how many were found.

        Raises:
            UpstreamError: DynamoDB failed or kept items unprocessed after
                :data:`MAX_ROUNDS` (the caller must not delete the account then: a retry
                finishes the job, since deleting is idempotent).
        """
        deleted = 0
        start: dict[str, Any] | None = None
        try:
            while True:
                params: dict[str, Any] = {
                    "TableName": self.table_name,
                    "KeyConditionExpression": "user_sub = :sub",
                    "ExpressionAttributeValues": {":sub": {"S": user_sub}},
                    "ProjectionExpression": "user_sub, photo_id",
                    "ConsistentRead": True,
                }
                if start:
                    params["ExclusiveStartKey"] = start
                page = self.client.query(**params)
                keys = page.get("Items", [])
                for first in range(0, len(keys), BATCH_LIMIT):
                    self._delete_batch(keys[first : first + BATCH_LIMIT])
                deleted += len(keys)
                start = page.get("LastEvaluatedKey")
                if not start:
                    return deleted
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "Unknown")
            raise UpstreamError("DynamoDB", code) from exc
        except BotoCoreError as exc:
            raise UpstreamError("DynamoDB", UPSTREAM_UNREACHABLE) from exc

    def _delete_batch(self, keys: list[dict[str, Any]]) -> None:
        requests = [{"DeleteRequest": {"Key": key}} for key in keys]
        for round_ in range(MAX_ROUNDS):
            response = self.client.batch_write_item(RequestItems={self.table_name: requests})
            requests = response.get("UnprocessedItems", {}).get(self.table_name, [])
            if not requests:
                return
            time.sleep(0.05 * 2**round_)
        raise UpstreamError("DynamoDB", "UnprocessedItems")
