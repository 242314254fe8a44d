"""Prompts from instance masks for SAM training/evaluation, checked against the masks they come from."""
import pytest
import torch
from mmdet.structures import DetDataSample
from mmdet.structures.mask import BitmapMasks
from mmengine.structures import InstanceData

from mmkd.evaluation import PromptMIoU
from mmkd.models.sam import SamDecoderOutput, build_sam
from mmkd.models.sam.instance_prompts import (SamPromptSampler, best_masks, eval_prompts, instance_masks,
                                              predict_instance_masks, random_subset_per_group)

# 32 px SAM with a 4x4 embedding: the smallest model that exercises every path
TINY_SAM = dict(img_size=32, patch_size=8, encoder_embed_dim=16, encoder_depth=1, encoder_num_heads=1,
                encoder_global_attn_indexes=(0,), encoder_window_size=4, prompt_embed_dim=32,
                decoder_mlp_dim=32, decoder_num_heads=2, iou_head_hidden_dim=16)


def sample_with(masks, img_shape):
    s = DetDataSample(metainfo=dict(img_shape=img_shape, img_path='x.jpg'))
    s.gt_instances = InstanceData(masks=BitmapMasks(masks.numpy().astype('uint8'), *masks.shape[1:]))
    return s


def squares(size=32):
    masks = torch.zeros(3, size, size, dtype=torch.bool)
    masks[0, 2:10, 4:12] = True
    masks[1, 16:30, 10:31] = True  # masks[2] is empty: an instance lost when resizing
    return masks


@pytest.fixture(scope='module')
def sam():
    torch.manual_seed(0)
    return build_sam(**TINY_SAM).eval()


def test_instance_masks_pad_crop_and_drop_empty():
    masks = squares()[:, :20, :]  # a validation sample: masks at img_shape (20, 32), not padded
    out = instance_masks(sample_with(masks, (20, 32)), (32, 32), torch.device('cpu'))
    assert out.shape == (2, 32, 32) and out.dtype == torch.bool
    assert torch.equal(out[:, :20], masks[:2]) and not out[:, 20:].any()
    no_masks = DetDataSample(metainfo=dict(img_path='a/b.jpg'))
    no_masks.gt_instances = InstanceData(bboxes=torch.zeros(1, 4))
    with pytest.raises(KeyError, match='with_mask=True.*a/b.jpg'):
        instance_masks(no_masks, (32, 32), torch.device('cpu'))


def test_eval_prompts_centre_point_and_tight_box():
    gt = squares()[:2]
    points = eval_prompts(gt, 'point')
    assert points.point_coords.tolist() == [[[7.0, 5.0]], [[20.0, 22.0]]]  # deepest pixels, ties to centroid
    assert points.point_labels.tolist() == [[1], [1]]
    boxes = eval_prompts(gt, 'box').boxes
    assert boxes.tolist() == [[4.0, 2.0, 11.0, 9.0], [10.0, 16.0, 30.0, 29.0]]  # inclusive pixel indices


def test_training_prompts_lie_in_their_masks(sam):
    torch.manual_seed(0)
    samples = [sample_with(squares(), (32, 32)), sample_with(squares().flip(-1), (32, 32))]
    sampler = SamPromptSampler(max_instances=1, hard_point_sampling=True, box_jitter=0.0, train_every_round=False)
    with torch.no_grad():
        emb = sam.image_encoder(torch.zeros(2, 3, 32, 32))
    prompts = sampler.sample(sam, emb, samples)
    assert set(prompts) == {'point', 'box'}
    points, gt = prompts['point']
    assert points.image_index.tolist() == [0, 1] and gt.shape == (2, 32, 32)  # max_instances=1 per image
    assert points.mask_count() == 2
    assert all(0 <= r <= 9 for r in sampler.last_rounds) and len(sampler.last_rounds) == 2
    n_idx, p_idx = torch.nonzero(points.point_labels == 1, as_tuple=True)
    xy = points.point_coords[n_idx, p_idx].long()
    assert gt[n_idx, xy[:, 1], xy[:, 0]].all()  # every real point inside its own mask
    assert ((points.point_labels == 1) | (points.point_labels == -1)).all()
    boxes, gt_box = prompts['box']
    assert torch.equal(gt_box, gt)
    ys, xs = torch.nonzero(gt[0], as_tuple=True)
    assert boxes.boxes[0].tolist() == [xs.min().item(), ys.min().item(), xs.max().item(), ys.max().item()]


def test_every_round_of_hard_sampling_is_a_prompt_of_its_own(sam):
    """Each mask gives its 1-point prompt, then its prompt after each round it took part in."""
    torch.manual_seed(3)
    samples = [sample_with(squares(), (32, 32)), sample_with(squares().flip(-1), (32, 32))]
    sampler = SamPromptSampler(max_instances=2, hard_point_sampling=True, max_rounds=4, box_jitter=0.0)
    with torch.no_grad():
        emb = sam.image_encoder(torch.zeros(2, 3, 32, 32))
    prompts = sampler.sample(sam, emb, samples)
    points, gt = prompts['point']
    boxes, gt_box = prompts['box']
    assert len(boxes) == 4 and points.mask_count() == 4 == boxes.mask_count()  # types weigh by masks
    assert len(points) == gt.shape[0] and len(points) > 4  # the random model misses a lot: several rounds
    real = points.point_labels != -1
    lengths = real.sum(1)
    for m in range(4):  # group the prompts by their mask
        mine = torch.nonzero((gt == gt_box[m]).flatten(1).all(1)).flatten()
        assert lengths[mine].tolist() == list(range(1, len(mine) + 1))  # 1 point, 2 points, ...
        longest = mine[-1]
        for i in mine:  # each prompt is a prefix of the mask's final prompt
            n = int(lengths[i])
            assert torch.equal(points.point_coords[i, :n], points.point_coords[longest, :n])
            assert points.image_index[i] == boxes.image_index[m]
    assert int((lengths == 1).sum()) == 4  # every mask trains its single point, every step
    assert max(lengths).item() <= 1 + max(sampler.last_rounds)


def test_one_round_per_mask_keeps_one_prefix_of_each_mask(sam):
    """rounds_per_mask=1: one prompt per mask, a prefix of its hard-sampled points, as cheap as the final prompt."""
    torch.manual_seed(3)
    samples = [sample_with(squares(), (32, 32)), sample_with(squares().flip(-1), (32, 32))]
    sampler = SamPromptSampler(max_instances=2, hard_point_sampling=True, max_rounds=4, box_jitter=0.0,
                               rounds_per_mask=1)
    with torch.no_grad():
        emb = sam.image_encoder(torch.zeros(2, 3, 32, 32))
    seen_lengths = set()
    for _ in range(6):
        points, gt = sampler.sample(sam, emb, samples)['point']
        assert len(points) == 4 == points.mask_count()  # one prompt per mask
        for m in range(4):  # each mask of the step owns exactly one prompt
            assert int((gt == gt[m]).flatten(1).all(1).sum()) == 1
        real = points.point_labels != -1
        assert torch.equal(real, torch.arange(real.shape[1]) < real.sum(1, keepdim=True))  # a prefix, then padding
        seen_lengths.update(real.sum(1).tolist())
    assert len(seen_lengths) > 1  # not always the first (or always the last) round


def test_keep_first_round_trains_every_single_point_and_one_later_round(sam):
    """keep_first_round with rounds_per_mask=2: each mask's 1-point prompt, plus one of its multi-point prefixes."""
    torch.manual_seed(3)
    samples = [sample_with(squares(), (32, 32)), sample_with(squares().flip(-1), (32, 32))]
    sampler = SamPromptSampler(max_instances=2, hard_point_sampling=True, max_rounds=4, box_jitter=0.0,
                               rounds_per_mask=2, keep_first_round=True)
    with torch.no_grad():
        emb = sam.image_encoder(torch.zeros(2, 3, 32, 32))
    later_lengths = set()
    for _ in range(6):
        points, gt = sampler.sample(sam, emb, samples)['point']
        lengths = (points.point_labels != -1).sum(1)
        masks = torch.unique(gt.flatten(1), dim=0)
        for m in masks:  # group the prompts by their mask
            mine = torch.nonzero((gt.flatten(1) == m).all(1)).flatten()
            assert 1 <= len(mine) <= 2
            assert sorted(lengths[mine].tolist())[0] == 1  # the single point, on every mask at every step
            if len(mine) == 2:
                short, long_ = mine[lengths[mine].argsort()]
                assert torch.equal(points.point_coords[short, 0], points.point_coords[long_, 0])  # same first click
                later_lengths.add(int(lengths[long_]))
        assert int((lengths == 1).sum()) == 4 == points.mask_count()
    assert len(later_lengths) > 1  # the later round is drawn, not always the last one
    assert min(later_lengths) >= 2


def test_random_subset_per_group_is_uniform_within_each_group():
    group = torch.tensor([0, 0, 0, 1, 2, 2])
    torch.manual_seed(0)
    counts = torch.zeros(6)
    for _ in range(3000):
        keep = random_subset_per_group(group, 1)
        assert group[keep].tolist() == [0, 1, 2]  # one element of every group, in index order
        counts[keep] += 1
    expected = torch.tensor([1 / 3, 1 / 3, 1 / 3, 1.0, 0.5, 0.5]) * 3000
    assert torch.allclose(counts, expected, rtol=0.1)
    assert random_subset_per_group(group, 2).tolist().count(3) == 1
    assert sorted(group[random_subset_per_group(group, 2)].tolist()) == [0, 0, 1, 2, 2]
    assert random_subset_per_group(group, 5).tolist() == list(range(6))


def test_rounds_per_mask_needs_every_round_training():
    with pytest.raises(ValueError, match='rounds_per_mask.*train_every_round=False'):
        SamPromptSampler(hard_point_sampling=True, train_every_round=False, rounds_per_mask=1)
    with pytest.raises(ValueError, match='rounds_per_mask.*got 0'):
        SamPromptSampler(rounds_per_mask=0)
    with pytest.raises(ValueError, match='keep_first_round: needs prompts.rounds_per_mask'):
        SamPromptSampler(hard_point_sampling=True, keep_first_round=True)


def test_no_masks_gives_no_prompts(sam):
    empty = sample_with(torch.zeros(1, 32, 32, dtype=torch.bool), (32, 32))
    assert SamPromptSampler().sample(sam, torch.zeros(1, 32, 4, 4), [empty]) == {}


def test_predict_feeds_prompt_miou(sam):
    samples = [sample_with(squares()[:, :24], (24, 32)), sample_with(torch.zeros(1, 32, 32, dtype=torch.bool),
                                                                     (32, 32))]
    with torch.no_grad():
        emb = sam.image_encoder(torch.zeros(2, 3, 32, 32))
    predict_instance_masks(sam, emb, samples)
    assert samples[0].gt_masks.shape == (2, 24, 32) and samples[0].pred_masks['box'].shape == (2, 24, 32)
    assert samples[1].gt_masks.shape == (0, 32, 32) and samples[1].pred_masks['point'].shape == (0, 32, 32)
    metric = PromptMIoU()
    metric.process(None, [s.to_dict() for s in samples])
    result = metric.compute_metrics(metric.results)
    assert set(result) == {'point_mIoU', 'box_mIoU'} and all(0 <= v <= 100 for v in result.values())


def test_best_mask_is_the_one_of_highest_predicted_iou(sam):
    masks = torch.arange(2 * 3 * 4, dtype=torch.float).reshape(2, 3, 2, 2)
    out = SamDecoderOutput(masks, torch.tensor([[0.1, 0.9, 0.3], [0.8, 0.2, 0.1]]), torch.zeros(2, 1, 1))
    best = best_masks(out)
    assert best.shape == (2, 1, 2, 2)
    assert torch.equal(best[0, 0], masks[0, 1]) and torch.equal(best[1, 0], masks[1, 0])
    # multimask decoding in predict mode still gives one mask per instance
    samples = [sample_with(squares(), (32, 32))]
    with torch.no_grad():
        predict_instance_masks(sam, sam.image_encoder(torch.zeros(1, 3, 32, 32)), samples, multimask_output=True)
    assert samples[0].pred_masks['point'].shape == (2, 32, 32)


def test_predict_with_clicks_one_click_is_the_centre_point(sam):
    samples = [sample_with(squares()[:, :24], (24, 32))]
    with torch.no_grad():
        emb = sam.image_encoder(torch.zeros(1, 3, 32, 32))
    predict_instance_masks(sam, emb, samples, ('point', 'clicks1', 'clicks3', 'box'))
    preds = samples[0].pred_masks
    assert set(preds) == {'point', 'clicks1', 'clicks3', 'box'}
    assert torch.equal(preds['clicks1'], preds['point']) and preds['clicks3'].shape == (2, 24, 32)
    with pytest.raises(ValueError, match="prompt_types.*'clicks<N>'"):
        predict_instance_masks(sam, emb, samples, ('point', 'clicks0'))
    with pytest.raises(ValueError, match='prompts.prompt_types'):  # training prompts are points and boxes
        SamPromptSampler(prompt_types=('clicks3',))
