"""A SKU listed in a market's catalogue for the local AWS tests: the orders consumer prices every line
from it (``livebase.commerce.price_list``), so a test's own SKU needs a list price to be sold."""

from __future__ import annotations

import json
from typing import Any

import boto3
from botocore.exceptions import ClientError

from livebase.replenishment.catalogue import CATALOGUE_KEY

SUPPLIER = "SUP-TEST"


def list_sku(resources: Any, sku: str, price: str, unit_cost: str = "3.00", hs_code: str = "330499") -> None:
    """Add ``sku`` at ``price`` to the market's catalogue in its lake (merged: other tests' SKUs stay);
    ``hs_code``: the customs code the market's tax rules decide by (a skin-care preparation)."""
    s3 = boto3.client("s3", region_name=resources.region)
    try:
        catalogue = json.loads(s3.get_object(Bucket=resources.data_lake_bucket, Key=CATALOGUE_KEY)["Body"].read())
    except ClientError:
        catalogue = {"suppliers": [], "skus": []}
    if not any(s["supplier_id"] == SUPPLIER for s in catalogue["suppliers"]):
        catalogue["suppliers"].append({"supplier_id": SUPPLIER, "lead_time_mean_days": 5, "lead_time_std_days": 1})
    catalogue["skus"] = [s for s in catalogue["skus"] if s["sku"] != sku]
    catalogue["skus"].append(
        {"sku": sku, "supplier_id": SUPPLIER, "unit_cost": unit_cost, "list_price": price, "hs_code": hs_code}
    )
    s3.put_object(Bucket=resources.data_lake_bucket, Key=CATALOGUE_KEY, Body=json.dumps(catalogue).encode())
