"""The local runner of a Kinesis event source mapping: applies it the way Lambda does.

The mapping is not deployed into moto (see :mod:`livebase_local.aws.template_transform`); this
runner polls every shard of the market's stream and invokes the handler in-process with real
Kinesis event shapes, honouring the mapping's settings:

* ``batch_size``: at most that many records per invocation, in shard order; a batch short of
  it waits up to ``maximum_batching_window_seconds`` from its first record (0: goes at once);
* a ``batchItemFailures`` response (with ``ReportBatchItemFailures``): checkpoint before the
  lowest failed sequence number and redeliver from there; an identifier not in the batch fails
  the whole batch, as in Lambda;
* a raised exception: the whole batch is retried, split in two first when
  ``bisect_batch_on_error`` is set (bisecting does not use up retries, so a poison record is
  isolated before the retry budget is spent on it);
* after ``maximum_retry_attempts`` retries, or once records are older than
  ``maximum_record_age_seconds``, an on-failure record (Lambda's shape plus ``errorMessage``)
  goes to the SQS DLQ and the shard moves on;
* filter criteria: records no pattern matches never reach the handler (``record_filters``).

Nothing is lost: every record read succeeds, is filtered out, or is named in a DLQ message (a
notice SQS refuses leaves its records pending: they are judged and sent again).
``run_forever`` (``livebase up``) works each shard in its own thread and, with a
``handler_factory``, its own handler instance, as Lambda runs one invocation per shard at a time
in its own container; a shard is read again at once after records and, while active, soon after
an empty read (:mod:`livebase_local.runner.kinesis_shards`). ``poll_once`` and ``drain`` step the
shards in turn (deterministic, for tests and one-shot commands).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError

from livebase_local.aws.mappings import EventSourceConfig
from livebase_local.runner.checkpoints import CheckpointStore, ShardCheckpoint, pending_end, split_into_batches
from livebase_local.runner.kinesis_shards import PendingBatch, Record, ShardState
from livebase_local.runner.lambda_shapes import LambdaContext, kinesis_event, on_failure_record
from livebase_local.runner.record_filters import RecordFilter
from livebase_local.runner.sources import IDLE_POLL_SECONDS, Counters, DrainTimeout

Handler = Callable[[dict[str, Any], Any], Any]
_GET_LIMIT = 10_000  # GetRecords' maximum, as Lambda reads
_SHARD_REFRESH_SECONDS = 5.0


class NotAKinesisReply(RuntimeError):
    """A 2xx without the call's fields (botocore reads any odd body as ``{}``): retried, never a closed shard."""


@dataclass
class _Outcome:
    failed_from: int | None  # index of the first record to redeliver (None: all succeeded)
    reason: str
    raised: bool


class KinesisEventSource:
    """One mapping (stream -> handler) of one market; see the module docstring."""

    def __init__(
        self,
        config: EventSourceConfig,
        handler: Handler,
        *,
        kinesis: Any | None = None,
        sqs: Any | None = None,
        context_factory: Callable[[EventSourceConfig], Any] = LambdaContext,
        handler_factory: Callable[[str], Handler] | None = None,
        checkpoints: CheckpointStore | None = None,
    ) -> None:
        self.config = config
        self.record_filter = RecordFilter(config.filter_patterns)
        self.handler = handler
        self.handler_factory = handler_factory
        self._handlers: dict[str, Handler] = {}
        self.kinesis = kinesis or boto3.client("kinesis", region_name=config.region)
        self.sqs = sqs or boto3.client("sqs", region_name=config.region)
        self.context_factory = context_factory
        self.checkpoints = checkpoints  # None: in memory only (a restart starts from starting_position)
        self.counters = Counters()
        self.last_errors: deque[str] = deque(maxlen=20)
        self._shards: dict[str, ShardState] = {}
        self._shards_listed = 0.0
        self._lock = threading.Lock()

    def _refresh_shards(self) -> None:
        """Pick up shards (resharding) every few seconds, not on every poll."""
        if self._shards and time.monotonic() - self._shards_listed < _SHARD_REFRESH_SECONDS:
            return
        self._shards_listed = time.monotonic()
        paginator = self.kinesis.get_paginator("list_shards")
        for page in paginator.paginate(StreamName=self.config.stream_name):
            for shard in page["Shards"]:
                if shard["ShardId"] not in self._shards:
                    self._shards[shard["ShardId"]] = self._resumed(shard["ShardId"])

    def _resumed(self, shard_id: str) -> ShardState:
        """A shard where the stored checkpoint left it: read after ``sequence``, pending batches first."""
        if self.checkpoints is None:
            return ShardState(shard_id)
        stored = self.checkpoints.load(self.config.function_name, shard_id)
        shard = ShardState(shard_id, last_read=stored.sequence, settled=stored.sequence, replay=stored.pending)
        shard.saved, shard.not_before = stored, stored.resume_at(self.config.timeout_seconds)
        return shard

    def _save(self, shard: ShardState, invoking: bool = False) -> None:
        """Persist the shard's checkpoint when it changed (see :mod:`livebase_local.runner.checkpoints`)."""
        if self.checkpoints is None or shard.replay:
            return
        done = shard.last_read if not shard.buffer and not shard.batches else shard.settled
        pending = tuple((b.records[0]["SequenceNumber"], b.records[-1]["SequenceNumber"]) for b in shard.batches)
        checkpoint = ShardCheckpoint(done, pending, time.time() if invoking else None)
        if checkpoint != shard.saved:
            self.checkpoints.save(self.config.function_name, shard.shard_id, checkpoint)
            shard.saved = checkpoint

    def _settle(self, shard: ShardState, records: Sequence[Record]) -> None:
        if records:
            shard.settled = records[-1]["SequenceNumber"]

    def _iterator(self, shard: ShardState) -> str | None:
        request: dict[str, Any] = {"StreamName": self.config.stream_name, "ShardId": shard.shard_id}
        if shard.last_read is not None:
            request.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=shard.last_read)
        elif self.config.starting_position == "LATEST":
            request["ShardIteratorType"] = "LATEST"
        else:
            request["ShardIteratorType"] = "TRIM_HORIZON"
        reply = self.kinesis.get_shard_iterator(**request)
        if "ShardIterator" not in reply:
            raise NotAKinesisReply(f"GetShardIterator answered without ShardIterator (keys {sorted(reply)})")
        return str(reply["ShardIterator"])

    def _fill(self, shard: ShardState) -> int:
        """Top the shard's buffer up to a batch; returns records fetched."""
        if shard.closed or len(shard.buffer) >= self.config.batch_size:
            return 0
        if shard.iterator is None:
            shard.iterator = self._iterator(shard)
        try:
            reply = self.kinesis.get_records(ShardIterator=shard.iterator, Limit=_GET_LIMIT)
        except ClientError as error:
            if error.response["Error"]["Code"] != "ExpiredIteratorException":
                raise
            shard.iterator = self._iterator(shard)
            reply = self.kinesis.get_records(ShardIterator=shard.iterator, Limit=_GET_LIMIT)
        if "Records" not in reply:  # not Kinesis's answer: read again, never take the shard for closed
            raise NotAKinesisReply(f"GetRecords answered without Records (keys {sorted(reply)})")
        records = reply["Records"]
        # Filter before moving the iterator on: the reply is handed on whole or read again.
        kept = [record for record in records if self._keeps(record)]
        shard.iterator = reply.get("NextShardIterator")
        shard.closed = shard.iterator is None
        if records and shard.replay:  # after a restart: the interrupted batches again, exactly
            shard.replay_records.extend(kept)
            if int(records[-1]["SequenceNumber"]) >= pending_end(shard.replay):
                batches, rest = split_into_batches(shard.replay_records, shard.replay)  # type: ignore[arg-type]
                shard.batches.extend(PendingBatch(list(batch)) for batch in batches)
                shard.buffer.extend(rest)
                shard.buffered(len(rest))
                shard.replay, shard.replay_records = (), []
        elif records:
            shard.buffer.extend(kept)
            shard.buffered(len(kept))
        if records:
            shard.last_read = records[-1]["SequenceNumber"]
            with self._lock:
                self.counters.seen += len(records)
                self.counters.filtered += len(records) - len(kept)
        return len(records)

    def _keeps(self, record: Record) -> bool:
        """The mapping's filter for one record; a record it cannot judge is delivered, never lost."""
        try:
            return self.record_filter.keeps(record)
        except Exception as error:  # RecordFilter.keeps guards itself; this is the last line
            self.last_errors.append(f"filter failed on {record.get('SequenceNumber')}: {type(error).__name__}")
            return True

    def _handler_for(self, shard_id: str) -> Handler:
        """The shard's own handler instance (its "container") when there is a factory."""
        if self.handler_factory is None:
            return self.handler
        handler = self._handlers.get(shard_id)
        if handler is None:
            handler = self._handlers[shard_id] = self.handler_factory(shard_id)
        return handler

    def _cold_start(self, shard_id: str) -> None:
        """Load the shard's handler now, not on its first batch (a failure shows on that batch)."""
        try:
            self._handler_for(shard_id)
        except Exception as error:  # the invocation will raise it again and retry, as Lambda would
            self.last_errors.append(f"{shard_id}: cold start failed: {type(error).__name__}: {error}")

    def warm(self) -> None:
        """List the shards and cold-start a handler for each (``run_forever`` does it per new shard)."""
        self._refresh_shards()
        for shard_id in list(self._shards):
            self._cold_start(shard_id)

    def _invoke(self, shard: ShardState, records: Sequence[Record]) -> _Outcome:
        event = kinesis_event(records, shard.shard_id, self.config)
        with self._lock:
            self.counters.invocations += 1
        try:
            response = self._handler_for(shard.shard_id)(event, self.context_factory(self.config))
        except Exception as error:  # a function error: Lambda retries the whole batch
            with self._lock:
                self.counters.handler_errors += 1
            return _Outcome(0, f"{type(error).__name__}: {error}", raised=True)
        failures = response.get("batchItemFailures") if isinstance(response, Mapping) else None
        if not self.config.report_batch_item_failures or not failures:
            return _Outcome(None, "", raised=False)
        with self._lock:
            self.counters.partial_failures += 1
        index = {r["SequenceNumber"]: i for i, r in enumerate(records)}
        identifiers = [f.get("itemIdentifier") if isinstance(f, Mapping) else None for f in failures]
        unknown = [i for i in identifiers if i not in index]
        if unknown:
            return _Outcome(0, f"batchItemFailures names records not in the batch: {unknown[:3]}", raised=False)
        lowest = min(index[i] for i in identifiers if i is not None)
        first = records[lowest]["SequenceNumber"]
        return _Outcome(lowest, f"handler reported {len(identifiers)} failed item(s), first {first}", raised=False)

    def _send_to_dlq(
        self, shard: ShardState, records: Sequence[Record], *, condition: str, attempts: int, reason: str
    ) -> None:
        message = on_failure_record(
            records, shard.shard_id, self.config, condition=condition, attempts=attempts, error_message=reason
        )
        if self.config.dlq_url:
            self.sqs.send_message(QueueUrl=self.config.dlq_url, MessageBody=json.dumps(message))
        with self._lock:
            self.counters.sent_to_dlq += len(records)
            self.counters.dlq_messages += 1
        self.last_errors.append(f"{shard.shard_id}: {len(records)} record(s) to DLQ ({condition}): {reason}")

    def _expired(self, records: Sequence[Record]) -> int:
        """How many leading records are older than the mapping's maximum record age."""
        limit = self.config.maximum_record_age_seconds
        if limit < 0:
            return 0
        now = datetime.now(UTC)
        count = 0
        for record in records:
            if (now - record["ApproximateArrivalTimestamp"]).total_seconds() <= limit:
                break
            count += 1
        return count

    def _process_batch(self, shard: ShardState) -> int:
        """Run the shard's next batch once; returns records settled (succeeded or sent to the DLQ).

        The checkpoint is saved with the batch pending before it runs and again after.
        """
        if not shard.batches:
            size = min(self.config.batch_size, len(shard.buffer))
            shard.batches.append(PendingBatch([shard.buffer.popleft() for _ in range(size)]))
            shard.took()
        self._save(shard, invoking=True)
        settled = self._run_batch(shard)
        self._save(shard)
        return settled

    def _run_batch(self, shard: ShardState) -> int:
        batch = shard.batches[0]
        expired = self._expired(batch.records)
        if expired:  # the notice first: if SQS fails it, the records stay pending and are judged again
            old = batch.records[:expired]
            self._send_to_dlq(
                shard,
                old,
                condition="RecordAgeExceeded",
                attempts=batch.attempts,
                reason=f"older than {self.config.maximum_record_age_seconds} s",
            )
            batch.records = batch.records[expired:]
            self._settle(shard, old)
            if not batch.records:
                shard.batches.popleft()
            return expired
        outcome = self._invoke(shard, batch.records)
        if outcome.failed_from is None:
            shard.batches.popleft()
            with self._lock:
                self.counters.succeeded += len(batch.records)
            self._settle(shard, batch.records)
            return len(batch.records)
        done, retry = batch.records[: outcome.failed_from], batch.records[outcome.failed_from :]
        with self._lock:
            self.counters.succeeded += len(done)
            self.counters.failed += len(retry)
        self._settle(shard, done)
        batch.records, batch.attempts = retry, batch.attempts + 1
        retries_left = self.config.maximum_retry_attempts < 0 or batch.attempts <= self.config.maximum_retry_attempts
        if outcome.raised and self.config.bisect_batch_on_error and len(retry) > 1:
            shard.batches.popleft()
            half = len(retry) // 2
            shard.batches.extendleft([PendingBatch(retry[half:]), PendingBatch(retry[:half])])
            return len(done)
        if not retries_left:  # the notice, then the batch leaves: a failed send keeps it pending (tried again)
            self._send_to_dlq(
                shard,
                retry,
                condition="RetryAttemptsExhausted",
                attempts=batch.attempts,
                reason=outcome.reason,
            )
            shard.batches.popleft()
            self._settle(shard, retry)
            return len(done) + len(retry)
        self.last_errors.append(f"{shard.shard_id}: retrying {len(retry)} record(s): {outcome.reason}")
        return len(done)

    def _step(self, shard: ShardState) -> int:
        """Fetch for one shard and run at most one batch; returns records fetched plus settled."""
        progress = self._fill(shard)
        if time.time() < shard.not_before:
            return progress  # the batch a crash cut off is not retried before its invocation would have timed out
        if shard.batches or shard.batch_ready(self.config.batch_size, self.config.maximum_batching_window_seconds):
            progress += self._process_batch(shard) or 1  # a retry is progress too
        elif not shard.buffer:
            self._save(shard)  # read to the end (or only filtered records): the checkpoint moves on
        return progress

    def poll_once(self) -> int:
        """Fetch and run at most one batch per shard, shard after shard."""
        if not self.config.enabled:
            return 0
        self._refresh_shards()
        return sum(self._step(shard) for shard in list(self._shards.values()))

    @property
    def caught_up(self) -> bool:
        return all(shard.idle for shard in self._shards.values())

    def drain(self, timeout: float = 60.0) -> Counters:
        """Process until every shard is read to its end and nothing waits for a retry."""
        deadline = time.monotonic() + timeout
        while True:
            progress = self.poll_once()
            if progress == 0 and self.caught_up:
                return self.counters
            if time.monotonic() > deadline:
                raise DrainTimeout(
                    f"{self.config.function_name}: not caught up after {timeout} s; "
                    f"last errors: {list(self.last_errors)[-3:]}"
                )

    def _work_shard(self, shard: ShardState, stop_event: threading.Event, idle_sleep: float) -> None:
        """One shard's loop: read again at once after records, soon while active, ``idle_sleep`` when idle.

        See :mod:`livebase_local.runner.kinesis_shards` for the cadence. An error of the runner
        itself (the stream unreachable, say) is noted and retried after ``idle_sleep``; the records
        stay in the stream, so nothing is lost while it lasts. The loop ends when a closed shard is done.
        """
        while not stop_event.is_set() and not (shard.closed and shard.idle):
            try:
                progress = self._step(shard)
            except Exception as error:  # keep the shard's worker alive; the reason is kept
                self.last_errors.append(f"{shard.shard_id}: runner error {type(error).__name__}: {error}")
                stop_event.wait(idle_sleep)
                continue
            shard.worked(progress)
            if progress == 0:
                stop_event.wait(shard.pause(idle_sleep))

    def run_forever(self, stop_event: threading.Event, idle_sleep: float = IDLE_POLL_SECONDS) -> None:
        """One worker thread per shard until ``stop_event`` is set; new shards get theirs as found."""
        workers: dict[str, threading.Thread] = {}
        while not stop_event.is_set():
            if self.config.enabled:
                try:
                    self._refresh_shards()
                except Exception as error:  # moto restarting, say: try again at the next refresh
                    self.last_errors.append(f"listing shards failed: {type(error).__name__}: {error}")
                for shard in list(self._shards.values()):
                    if shard.shard_id not in workers:
                        self._cold_start(shard.shard_id)
                        worker = threading.Thread(
                            target=self._work_shard,
                            args=(shard, stop_event, idle_sleep),
                            name=f"{self.config.function_name}-{shard.shard_id}",
                            daemon=True,
                        )
                        workers[shard.shard_id] = worker
                        worker.start()
            stop_event.wait(_SHARD_REFRESH_SECONDS)
        for worker in workers.values():
            worker.join(timeout=30)
