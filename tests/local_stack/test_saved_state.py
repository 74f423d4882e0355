"""The state store saves moto's backends and puts them back (make dev across restarts)."""

from __future__ import annotations

import boto3
from cryptography.hazmat.primitives.asymmetric import rsa
from moto import mock_aws

from local_stack.saved_state import StateStore


def test_saved_pools_users_items_and_objects_come_back_after_moto_was_reset(tmp_path):
    store = StateStore(tmp_path)
    extra: dict[str, object] = {"sessions": {"s1": "alice"}}
    store.register("hosted_ui", lambda: dict(extra), extra.update)

    # Given a pool with a user, an item and an object, saved
    with mock_aws():
        idp = boto3.client("cognito-idp", region_name="us-east-1")
        pool = idp.create_user_pool(PoolName="p")["UserPool"]["Id"]
        idp.admin_create_user(UserPoolId=pool, Username="alice@example.com")
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="kept-bucket")
        s3.put_object(Bucket="kept-bucket", Key="a/b.png", Body=b"bytes")
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        ddb.create_table(
            TableName="t",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "h", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "h", "KeyType": "HASH"}],
        )
        ddb.put_item(TableName="t", Item={"h": {"S": "1"}})
        store.remember({"UserPool": pool}, {("UserPool", "Arn"): "arn"})
        store.save()
    extra.clear()

    # When moto starts empty and the state is loaded
    with mock_aws():
        restored = StateStore(tmp_path)
        restored.register("hosted_ui", dict, extra.update)
        ids = restored.load()

        # Then everything is back, ids included
        assert ids is not None and ids.physical_ids == {"UserPool": pool}
        assert ids.attributes == {("UserPool", "Arn"): "arn"}
        idp = boto3.client("cognito-idp", region_name="us-east-1")
        assert idp.admin_get_user(UserPoolId=pool, Username="alice@example.com")["Username"]
        s3 = boto3.client("s3", region_name="us-east-1")
        assert s3.get_object(Bucket="kept-bucket", Key="a/b.png")["Body"].read() == b"bytes"
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        assert ddb.get_item(TableName="t", Key={"h": {"S": "1"}})["Item"]["h"] == {"S": "1"}
        assert extra == {"sessions": {"s1": "alice"}}


def test_a_private_key_survives_the_round_trip_and_a_late_registration_gets_it(tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    store = StateStore(tmp_path)
    store.register("key", lambda: key, lambda value: None)
    kept: list = []
    with mock_aws():
        store.save()
        # When the state is loaded before the part that owns "key" exists
        later = StateStore(tmp_path)
        later.load()
        later.register("key", lambda: None, kept.append)

    assert kept[0].private_numbers() == key.private_numbers()


def test_an_unreadable_state_file_is_set_aside_and_the_stack_starts_clean(tmp_path):
    (tmp_path / "state.pickle").write_bytes(b"not a pickle")

    assert StateStore(tmp_path).load() is None
    assert (tmp_path / "state.pickle.broken").read_bytes() == b"not a pickle"
    assert not (tmp_path / "state.pickle").exists()


def test_reset_forgets_the_saved_state(tmp_path):
    with mock_aws():
        StateStore(tmp_path).save()
    store = StateStore(tmp_path)
    store.reset()

    assert store.load() is None


def test_snapshots_are_taken_only_after_a_change(tmp_path):
    import threading
    import time

    changed = threading.Event()
    store = StateStore(tmp_path)
    with mock_aws():
        store.start_snapshots(changed, interval_s=0.05)
        time.sleep(0.3)
        idle = store.path.exists()
        changed.set()
        time.sleep(0.3)
        store._stop.set()
    assert not idle and store.path.exists() and not changed.is_set()
