"""Recommendations in the live room ("goods find people", seed 1.1, 2.2, 3.2).

- ``behaviour``: what a viewer did in the market's region (watched a product, carted it, ordered
  it), as weighted interactions;
- ``model``: trained by the ``recommendations-training`` flow into per-viewer top lists and the
  market's popular list: item-item co-occurrence with recency weighting (neighbours, and the lists
  without a catalogue) and ``taste``: the viewer's taste per catalogue category times what the
  market takes (the lists when the catalogue names categories);
- ``ranking``: the session's line-up ranked for one viewer (pure, no numpy: the Lambda layer);
- ``store``: the market's player table (sessions, exposures, top lists) and the one batched read
  the player function makes per request.
"""
