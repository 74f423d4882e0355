"""What the template wires to which function: S3 buckets that send EventBridge events, async
targets (``EventBridgeRule`` events) and stream mappings (``DynamoDB`` events), read as
routes are.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from moto.events.models import EventPattern

from local_stack.template import Template

log = logging.getLogger("local_stack")


@dataclass(frozen=True)
class AsyncTarget:
    """A function invoked asynchronously by an EventBridge rule."""

    function_id: str
    function_arn: str
    pattern: dict[str, Any]
    max_retries: int = 2
    on_failure: str | None = None


@dataclass(frozen=True)
class StreamMapping:
    """A DynamoDB event source mapping (one function, one table's stream)."""

    function_id: str
    function_arn: str
    table_name: str
    stream_arn: str
    starting_position: str = "TRIM_HORIZON"
    batch_size: int = 100
    max_retries: int = -1
    report_item_failures: bool = False
    bisect: bool = False
    filters: tuple[dict[str, Any], ...] = ()
    on_failure: str | None = None


@dataclass
class Wiring:
    """What the template asks to be delivered."""

    s3_buckets: list[str] = field(default_factory=list)
    async_targets: list[AsyncTarget] = field(default_factory=list)
    stream_mappings: list[StreamMapping] = field(default_factory=list)
    ttl_tables: dict[str, str] = field(default_factory=dict)  # table name -> attribute


def read_wiring(template: Template) -> Wiring:
    """The event wiring of a provisioned ``template`` (physical ids known).

    Event types other than ``Api``, ``EventBridgeRule`` and ``DynamoDB`` are reported
    once on the console and not delivered.
    """
    wiring = Wiring()
    resources = template.resources
    stream_tables: dict[str, str] = {}
    for logical_id, resource in resources.items():
        kind = resource.get("Type")
        props = template.resolve(resource.get("Properties") or {})
        if kind == "AWS::S3::Bucket":
            eventbridge = (props.get("NotificationConfiguration") or {}).get(
                "EventBridgeConfiguration"
            ) or {}
            if str(eventbridge.get("EventBridgeEnabled", "false")).lower() == "true":
                wiring.s3_buckets.append(str(template.ref(logical_id)))
        elif kind == "AWS::DynamoDB::Table":
            name = str(template.ref(logical_id))
            ttl = props.get("TimeToLiveSpecification") or {}
            if str(ttl.get("Enabled", "false")).lower() == "true":
                wiring.ttl_tables[name] = str(ttl["AttributeName"])
            stream_arn = template.attributes.get((logical_id, "StreamArn"))
            if stream_arn:
                stream_tables[stream_arn] = name
    for logical_id, resource in resources.items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource.get("Properties") or {}
        arn = template.get_att(logical_id, "Arn")
        invoke_config = template.resolve(props.get("EventInvokeConfig") or {})
        for name, event in (props.get("Events") or {}).items():
            kind = event.get("Type")
            eprops = template.resolve(event.get("Properties") or {})
            if kind == "Api":
                continue
            if kind == "EventBridgeRule":
                wiring.async_targets.append(
                    AsyncTarget(
                        function_id=logical_id,
                        function_arn=arn,
                        pattern=eprops.get("Pattern") or {},
                        max_retries=int(invoke_config.get("MaximumRetryAttempts", 2)),
                        on_failure=on_failure_destination(invoke_config),
                    )
                )
            elif kind == "DynamoDB":
                mapping = _stream_mapping(logical_id, name, arn, eprops, stream_tables)
                if mapping is not None:
                    wiring.stream_mappings.append(mapping)
            else:
                log.info(
                    "events: %s.%s: event type %s is not delivered locally", logical_id, name, kind
                )
    return wiring


def _stream_mapping(
    logical_id: str, name: str, arn: str, eprops: dict[str, Any], stream_tables: dict[str, str]
) -> StreamMapping | None:
    """The event source mapping of function ``logical_id``'s ``DynamoDB`` event ``name``;
    None (with a console line) when its stream is no provisioned table's."""
    stream_arn = str(eprops.get("Stream"))
    if stream_arn not in stream_tables:
        log.info(
            "events: %s.%s: stream %s is not a provisioned table's; not delivered",
            logical_id,
            name,
            stream_arn,
        )
        return None
    return StreamMapping(
        function_id=logical_id,
        function_arn=arn,
        table_name=stream_tables[stream_arn],
        stream_arn=stream_arn,
        starting_position=str(eprops.get("StartingPosition", "TRIM_HORIZON")),
        batch_size=int(eprops.get("BatchSize", 100)),
        max_retries=int(eprops.get("MaximumRetryAttempts", -1)),
        report_item_failures="ReportBatchItemFailures"
        in (eprops.get("FunctionResponseTypes") or []),
        bisect=str(eprops.get("BisectBatchOnFunctionError", "false")).lower() == "true",
        filters=tuple(
            json.loads(f["Pattern"]) if isinstance(f["Pattern"], str) else f["Pattern"]
            for f in ((eprops.get("FilterCriteria") or {}).get("Filters") or [])
        ),
        on_failure=on_failure_destination(eprops),
    )


def on_failure_destination(props: dict[str, Any]) -> str | None:
    destination = ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
    return str(destination) if destination else None


def matches_pattern(
    patterns: tuple[dict[str, Any], ...] | list[dict[str, Any]], event: dict
) -> bool:
    """Any of ``patterns`` matches (EventBridge / Lambda filtering syntax); none = all."""
    if not patterns:
        return True
    return any(EventPattern.load(json.dumps(p)).matches_event(event) for p in patterns)
