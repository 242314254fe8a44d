"""Hierarchical everything: dense points inside the sparse stage's confident masks are not prompted."""
import numpy as np
import pytest
import torch
from segment_anything import SamAutomaticMaskGenerator, SamPredictor
from segment_anything.utils.amg import build_point_grid

from mmkd.models.sam import HierarchicalMaskGenerator, build_sam
from helpers import TINY_SAM as TINY
# keep every mask: a random model's IoU predictions and stability would filter everything, and its
# masks are so alike that box NMS would leave one
NO_FILTERS = dict(pred_iou_thresh=0.0, stability_score_thresh=0.0, box_nms_thresh=1.0, points_per_batch=64)


@pytest.fixture(scope='module')
def setup():
    torch.manual_seed(0)
    sam = build_sam(**TINY).eval()
    image = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    # reference, straight from SamPredictor: each sparse point's 3 mask logits at image size
    predictor = SamPredictor(sam)
    predictor.set_image(image)
    sparse = build_point_grid(2) * 64
    logits = np.concatenate([predictor.predict(point_coords=p[None], point_labels=np.array([1]),
                                               return_logits=True)[0] for p in sparse])
    max_logit = logits.max(0)
    thresh = float(np.median(max_logit))  # the confident region is about half the image
    return sam, image, sparse, max_logit > thresh, thresh


def test_dense_stage_skips_points_in_confident_region(setup):
    sam, image, sparse, confident, thresh = setup
    gen = HierarchicalMaskGenerator(sam, sparse_points_per_side=2, points_per_side=8, high_score_thresh=thresh,
                                    **NO_FILTERS)
    records = gen.generate(image)
    dense = build_point_grid(8) * 64
    inside = confident[dense[:, 1].astype(int), dense[:, 0].astype(int)]
    assert 0 < inside.sum() < len(dense)  # the test means something: some points skipped, some not
    (points,) = gen.last_points
    np.testing.assert_allclose(points['sparse'], sparse)
    np.testing.assert_allclose(points['dense'], dense[~inside])
    np.testing.assert_allclose(points['skipped'], dense[inside])
    # no mask comes from a skipped point
    prompted = {tuple(p) for p in np.concatenate([points['sparse'], points['dense']]).round(4)}
    assert len(records) > 50 and all(tuple(np.round(r['point_coords'][0], 4)) in prompted for r in records)


def test_without_confident_region_equals_plain_generator_on_both_grids(setup):
    sam, image, _, _, _ = setup
    hier = HierarchicalMaskGenerator(sam, sparse_points_per_side=2, points_per_side=8, high_score_thresh=1e9,
                                     **NO_FILTERS).generate(image)
    plain = SamAutomaticMaskGenerator(sam, points_per_side=None,
                                      point_grids=[np.concatenate([build_point_grid(2), build_point_grid(8)])],
                                      **NO_FILTERS).generate(image)
    key = lambda r: (tuple(r['bbox']), round(r['predicted_iou'], 4))  # noqa: E731
    assert len(hier) > 100  # most of the 3 * (4 + 64) masks survive
    assert sorted(map(key, hier)) == sorted(map(key, plain))


def test_argument_errors(setup):
    sam = setup[0]
    with pytest.raises(ValueError, match='point_grids is not supported'):
        HierarchicalMaskGenerator(sam, point_grids=[build_point_grid(4)])
    with pytest.raises(ValueError, match='grid sizes must be >= 1'):
        HierarchicalMaskGenerator(sam, sparse_points_per_side=0)
