"""Customer lifecycle and value, per market and in its region: pure, vectorised pandas.

Input is one frame of orders (:mod:`livebase.lifecycle.frame`); each module computes one concept
over it: RFM segments (``rfm``), lifecycle stages and the recall list (``stages``), repeat-purchase
rate (``repeat``), channel attribution (``attribution``), cohort retention (``cohorts``).
Results hold pseudonymous viewer keys; only :mod:`livebase.aggregates` output may leave the region.
"""
