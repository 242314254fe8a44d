"""Per-item random generators derived from one seed.

Every image gets its own ``numpy.random.Generator`` keyed by (seed, stream,
index) instead of sharing one generator across the whole run. That way image
``i`` of a split is the same whatever ``num_train``/``num_val`` are, a split
never shifts the random stream of another, and nothing depends on numpy's
global random state.
"""
import numpy as np

# One stream id per split and task, so that e.g. detection train image 3 and
# segmentation val image 3 never share random numbers.
STREAMS = {
    ('detection', 'train'): 1,
    ('detection', 'val'): 2,
    ('segmentation', 'train'): 3,
    ('segmentation', 'val'): 4,
    ('classification', 'train'): 5,
    ('classification', 'val'): 6,
    ('lidar', 'train'): 7,
    ('lidar', 'val'): 8,
    ('street_segments', 'train'): 9,
    ('street_segments', 'val'): 10,
}


def item_rng(seed: int, task: str, split: str, index: int) -> np.random.Generator:
    """Return the generator for one image of ``task``/``split``."""
    return np.random.default_rng([seed, STREAMS[(task, split)], index])
