"""`./livebase fx-rates [--from-file F] [--up]`: the ECB's reference rates into ``config/fx_rates.json``.

The same code path as the ``fx-rates`` flow (``livebase.stores.fx_rates.read_reply``,
``livebase.aggregates.fx_source.fx_days``, ``write_rates_file``): the ECB's 90-day history by default,
or a saved reply (``--from-file``: ``eurofxref-daily.xml`` or ``eurofxref-hist-90d.xml`` as the ECB
serves them) on a machine that cannot reach it. ``--up``: also into hq's store of the running `up`.
A malformed reply changes nothing and says why.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from livebase.aggregates.fx_source import ECB_90_DAYS_URL, FxSourceError, fx_days
from livebase.aggregates.rates import default_rates_path
from livebase.markets.config import hq_market, load_markets, selling_markets
from livebase.stores.fx_rates import FxRateStore, read_reply, source_url, write_rates_file


def run_fx_rates(from_file: str | None, to_up: bool) -> int:
    markets = load_markets()
    hq = hq_market(markets)
    source = from_file or ECB_90_DAYS_URL
    currencies = {m.currency for m in selling_markets(markets)}
    try:
        days = fx_days(read_reply(source), hq.currency, currencies, source_url(source), datetime.now(UTC))
    except (OSError, ValueError) as error:  # FxSourceError is a ValueError: the file is left as it was
        kind = "refused" if isinstance(error, FxSourceError) else "could not be read"
        print(f"livebase: the rates of {source} {kind}: {error}", file=sys.stderr)
        return 2
    path = default_rates_path()
    table = write_rates_file(path, days)
    newest = days[-1]
    print(f"{len(days)} publication days from {newest.publisher} ({newest.source_url}); newest {newest.published}")
    for currency, rate in sorted(newest.rates.items()):
        how = newest.derived.get(currency, "published")
        print(f"  1 {currency} = {rate} {hq.currency} ({how})")
    print(f"written: {path} ({sum(len(r) for r in table.rates.values())} rows, {newest.digest})")
    if to_up:
        from flows.regional_io import hq_bucket
        from livebase_local.platform import attach_local_environment

        attach_local_environment()
        bucket = hq_bucket(hq)
        written = FxRateStore(bucket, hq.region).put_days(days)
        print(f"hq's store of the running `up` (s3://{bucket}/fx-rates/): {len(written)} new days")
    return 0
