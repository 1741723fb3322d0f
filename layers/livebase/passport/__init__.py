"""Product digital passport (issue 19): a batch's supply events as a tamper-evident hash chain.

Pure logic only: event schemas (``events``), canonical JSON and hashes (``canonical``), chain
entries and their verification (``chain``), the daily Merkle anchor (``merkle``), signed supplier
intake (``signing``), the public view in the market's languages (``labels``, ``view``) and QR
labels (``qr``). The ledger table and the anchor bucket are reached through
``livebase.stores.ledger`` and ``livebase.stores.anchors``.
"""
