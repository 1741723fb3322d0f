"""Batch plumbing every stream, queue and bus consumer shares, whatever its domain.

``reasons`` (decisions and bounded reasons that never echo input), ``quarantine`` (where records
and messages a consumer will never apply go), ``kinesis`` (:class:`~livebase.batches.kinesis.KinesisBatch`),
``queue`` (:class:`~livebase.batches.queue.QueueBatch`), ``bus_target`` (EventBridge rule targets).
Nothing here imports a domain package, so a consumer of one domain does not load another's.
"""
