"""Livestream session planning (issue 17): when to go live, what to show in which order, for whom, by whom.

Pure, one concept per module; the flow (``flows/session_planning.py``) reads the stores and
provisions the channels.

- ``timing``: hour-of-week engagement in the market's local time, windows chosen in real (UTC) time;
- ``rules``: the market's cultural rules applied to catalogue categories, each rejection explained;
- ``lineup``: expected value per product, stock and inbound POs, presale slots;
- ``languages``: host, subtitle and dubbing tracks and the AWS services that serve them per region;
- ``roster``: hosts, their languages and limits, bookings without double booking;
- ``themes``: festival sessions (iftar evenings in Ramadan, Songkran, Hari Raya, 11.11, ...);
- ``split``: a keyed hash split of a session's audience between two variants;
- ``plan``: the composition, its JSON form and the forecast regressors it feeds.
"""
