"""decode_masks: many prompts over a batch of images, in prompt order, with the decoder tokens."""
import pytest
import torch

from mmkd.models.sam import SamPrompts, build_sam, decode_masks
from helpers import TINY_SAM as TINY


@pytest.fixture(scope='module')
def sam():
    torch.manual_seed(0)
    return build_sam(**TINY).eval()


def prompts(generator, n=5, num_points=2, num_images=3):
    return SamPrompts(image_index=torch.tensor([2, 0, 2, 1, 0][:n]),
                      point_coords=torch.rand(n, num_points, 2, generator=generator) * 64,
                      point_labels=torch.tensor([[1, 0], [1, -1], [1, 1], [0, 1], [1, 1]][:n]))


def test_batched_equals_one_prompt_at_a_time(sam):
    g = torch.Generator().manual_seed(1)
    emb = torch.randn(3, 32, 8, 8, generator=g)
    p = prompts(g)
    out = decode_masks(sam, emb, p, multimask_output=True)
    assert out.masks.shape == (5, 3, 32, 32) and out.iou_predictions.shape == (5, 3)
    # queries: IoU token + 4 mask tokens + 2 points + 1 padding point (no box)
    assert out.tokens.shape == (5, 5 + 2 + 1, 32)
    for i in range(5):
        single = decode_masks(sam, emb, p.select(torch.tensor([i])), multimask_output=True)
        torch.testing.assert_close(out.masks[i], single.masks[0], rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(out.tokens[i], single.tokens[0], rtol=1e-5, atol=1e-5)


def test_single_mask_boxes_and_gradient_to_embeddings(sam):
    g = torch.Generator().manual_seed(2)
    emb = torch.randn(2, 32, 8, 8, generator=g, requires_grad=True)
    p = SamPrompts(image_index=torch.tensor([0, 1]), boxes=torch.tensor([[4.0, 4.0, 30.0, 40.0], [0, 0, 63, 63]]))
    out = decode_masks(sam, emb, p)
    assert out.masks.shape == (2, 1, 32, 32) and out.tokens.shape == (2, 5 + 2, 32)
    (out.masks.sum() + out.tokens.sum()).backward()
    assert emb.grad is not None and emb.grad.abs().sum() > 0
    # the hook is removed after the call
    assert not sam.mask_decoder.transformer._forward_hooks


def test_prompt_validation_names_the_field(sam):
    emb = torch.zeros(2, 32, 8, 8)
    with pytest.raises(ValueError, match=r'image_index must lie in 0..1'):
        decode_masks(sam, emb, SamPrompts(torch.tensor([2]), boxes=torch.zeros(1, 4)))
    with pytest.raises(ValueError, match=r'SamPrompts.boxes must have shape \(2, 4\) for N=2 prompts, got \(2, 2\)'):
        decode_masks(sam, emb, SamPrompts(torch.tensor([0, 1]), boxes=torch.zeros(2, 2)))
    with pytest.raises(ValueError, match='point_coords and point_labels must be given together'):
        decode_masks(sam, emb, SamPrompts(torch.tensor([0]), point_coords=torch.zeros(1, 1, 2)))
    with pytest.raises(ValueError, match='needs points, boxes or mask_inputs'):
        decode_masks(sam, emb, SamPrompts(torch.tensor([0])))
    with pytest.raises(ValueError, match=r'N > 0'):
        decode_masks(sam, emb, SamPrompts(torch.zeros(0, dtype=torch.long), boxes=torch.zeros(0, 4)))


def test_hard_prompt_sampling_drives_the_decoder(sam):
    """The sampler's padded prompts go through SAM's prompt encoder; the student's own masks steer it."""
    from mmkd.models.sam.prompt_sampling import sample_hard_point_prompts
    g = torch.Generator().manual_seed(4)
    emb = torch.randn(2, 32, 8, 8, generator=g)
    gt = torch.zeros(3, 64, 64, dtype=torch.bool)
    gt[0, 5:40, 5:30] = True
    gt[1, 30:60, 30:60] = True
    gt[2, 0:3, 0:3] = True  # 9 px: runs out of missed pixels quickly when predicted
    image_index = torch.tensor([0, 1, 1])
    predictions = []

    def predict(coords, labels):
        with torch.no_grad():
            out = decode_masks(sam, emb, SamPrompts(image_index, coords, labels))
        masks = sam.postprocess_masks(out.masks, (64, 64), (64, 64))[:, 0] > 0
        predictions.append(masks)
        return masks

    coords, labels, rounds = sample_hard_point_prompts(gt, predict, num_rounds=3, generator=g)
    assert coords.shape == (3, 1 + rounds, 2) and len(predictions) == min(rounds + 1, 3)
    for r in range(rounds):
        picked = labels[:, 1 + r] == 1
        x, y = coords[picked, 1 + r].long().unbind(-1)
        assert (gt[picked, y, x] & ~predictions[r][picked, y, x]).all()
    out = decode_masks(sam, emb, SamPrompts(image_index, coords, labels))
    assert out.masks.shape == (3, 1, 32, 32) and torch.isfinite(out.masks).all()
