"""TinySAM losses against hand-computed values and the paper's properties."""
import copy
import math

import pytest
import torch

from mmkd.models.losses import (L1DistillLoss, TinySAMLoss, TinySAMOutputLoss, combine_prompt_losses,
                                hard_mask_weight, mask_dice_loss, mask_focal_loss, mask_iou, weighted_output_loss)
from mmkd.models.sam import SamPrompts, build_sam, decode_masks
from mmkd.registry import MODELS

SIGMOID_1 = 1 / (1 + math.exp(-1))  # 0.7310585786
LN2 = math.log(2)


def masks_with(pixels_on, shape=(4, 5)):
    """(1, 1, H, W) logits: +1 at the listed flat pixel indices, -1 elsewhere."""
    logits = -torch.ones(shape[0] * shape[1])
    logits[list(pixels_on)] = 1.0
    return logits.view(1, 1, *shape)


def test_hard_mask_weight_hand_values():
    h = hard_mask_weight(torch.tensor([0.8, 0.5, 0.4]), torch.tensor([0.4, 0.5, 0.8]))
    torch.testing.assert_close(h, torch.tensor([SIGMOID_1, 0.5, 1 / (1 + math.exp(0.5))]))
    # a student IoU of 0 saturates the weight at 1, without dividing by zero
    assert hard_mask_weight(torch.tensor([0.8]), torch.tensor([0.0]), eps=1e-6).item() == pytest.approx(1.0)


def test_iou_and_hard_weighted_output_from_hand_masks():
    # GT: 10 of 20 pixels. Teacher finds 8 of them (IoU 0.8), student 4 (IoU 0.4); no false positives.
    gt = torch.zeros(1, 20, dtype=torch.bool)
    gt[0, :10] = True
    gt = gt.view(1, 4, 5)
    masks_T, masks_S = masks_with(range(8)), masks_with(range(4))
    torch.testing.assert_close(mask_iou(masks_T, gt), torch.tensor([[0.8]]))
    torch.testing.assert_close(mask_iou(masks_S, gt), torch.tensor([[0.4]]))
    # 4 pixels differ by 2 -> mean |D_S - D_T| = 8 / 20 = 0.4; weight sigmoid(0.8 / 0.4 - 1) = sigmoid(1)
    loss = TinySAMLoss(gamma=2.0)(masks_S=masks_S, iou_pred_S=torch.tensor([[0.4]]), gt_masks=gt, masks_T=masks_T)
    assert loss['loss_output'].item() == pytest.approx(2.0 * SIGMOID_1 * 0.4, rel=1e-5)
    h = 1 / (1 + math.exp(-(0.8 / (0.4 + 1e-6) - 1)))  # with the eps of the default
    assert loss['loss_output'].item() == pytest.approx(2.0 * h * 0.4, rel=1e-6)
    plain = TinySAMLoss(hard_mask_weighting=False)(masks_S=masks_S, iou_pred_S=torch.tensor([[0.4]]), gt_masks=gt,
                                                   masks_T=masks_T)
    assert plain['loss_output'].item() == pytest.approx(0.4, rel=1e-6)
    # the IoU head is trained towards the mask's real IoU: |0.4 - 0.4| = 0, and |0.9 - 0.4| = 0.5
    assert loss['loss_iou'].item() == pytest.approx(0.0, abs=1e-7)
    off = TinySAMLoss(iou_weight=3.0)(masks_S=masks_S, iou_pred_S=torch.tensor([[0.9]]), gt_masks=gt)
    assert off['loss_iou'].item() == pytest.approx(3.0 * 0.5, rel=1e-6)


def test_focal_and_dice_hand_values():
    # pixels: logit 0 on a GT pixel, logit 0 off GT, logit ln 3 (p = 0.75) on a GT pixel
    logits = torch.tensor([0.0, 0.0, math.log(3)]).view(1, 1, 1, 3)
    gt = torch.tensor([1, 0, 1]).view(1, 1, 3)
    per_pixel = [0.25 * 0.5**2 * LN2,                    # alpha (1-p)^2 (-log p), p = 0.5
                 0.75 * 0.5**2 * LN2,                    # (1-alpha) p^2 (-log(1-p))
                 0.25 * 0.25**2 * -math.log(0.75)]       # alpha (1-p)^2 (-log p), p = 0.75
    assert mask_focal_loss(logits, gt).item() == pytest.approx(sum(per_pixel) / 3, rel=1e-6)
    # dice: sum p g = 0.5 + 0.75, sum p = 1.75, sum g = 2 -> 1 - (2*1.25 + 1) / (1.75 + 2 + 1)
    assert mask_dice_loss(logits, gt).item() == pytest.approx(1 - 3.5 / 4.75, rel=1e-6)
    assert mask_dice_loss(logits, gt, smooth=0.0).item() == pytest.approx(1 - 2.5 / 3.75, rel=1e-6)


def test_multimask_keeps_lowest_loss_mask_per_prompt():
    gt = torch.tensor([[1, 1, 0, 0]], dtype=torch.bool).view(1, 1, 4)
    good = torch.tensor([9.0, 9.0, -9.0, -9.0]).view(1, 1, 1, 4)
    bad = -good
    loss = TinySAMLoss()(masks_S=torch.cat([bad, good], 1), iou_pred_S=torch.zeros(1, 2), gt_masks=gt)
    expected_focal = 20.0 * mask_focal_loss(good, gt).item()
    assert loss['loss_focal'].item() == pytest.approx(expected_focal, rel=1e-6)
    assert loss['loss_dice'].item() == pytest.approx(mask_dice_loss(good, gt).item(), rel=1e-6)
    # the IoU term covers both masks: IoUs 0 and 1 against predictions 0 -> mean 0.5
    assert loss['loss_iou'].item() == pytest.approx(0.5)


def test_gt_terms_upsample_low_res_logits():
    # a 2x2 logit map upsampled to 4x4: constant maps stay constant, so the focal value is known
    loss = mask_focal_loss(torch.zeros(1, 1, 4, 4), torch.ones(1, 4, 4, dtype=torch.bool))
    out = TinySAMLoss(focal_weight=1.0)(masks_S=torch.zeros(1, 1, 2, 2), iou_pred_S=torch.zeros(1, 1),
                                        gt_masks=torch.ones(1, 4, 4, dtype=torch.bool))
    assert out['loss_focal'].item() == pytest.approx(loss.item()) == pytest.approx(0.25 * 0.25 * LN2)


@pytest.fixture(scope='module')
def tiny_sams():
    torch.manual_seed(0)
    teacher = build_sam(img_size=64, patch_size=8, encoder_embed_dim=32, encoder_depth=2, encoder_num_heads=2,
                        encoder_global_attn_indexes=(1,), encoder_window_size=4, prompt_embed_dim=32,
                        decoder_mlp_dim=64, decoder_num_heads=2, iou_head_hidden_dim=32).eval()
    return teacher  # parameters keep requires_grad: only no_grad and detached targets keep its grads None


def run_sam(sam, images, prompts):
    emb = sam.image_encoder(images)
    out = decode_masks(sam, emb, prompts, multimask_output=True)
    return emb, out


def gt_and_prompts():
    g = torch.Generator().manual_seed(3)
    images = torch.randn(2, 3, 64, 64, generator=g)
    gt = torch.zeros(3, 64, 64, dtype=torch.bool)
    gt[0, 10:30, 10:40] = True
    gt[1, 30:60, 5:20] = True
    gt[2, 0:20, 40:64] = True
    prompts = SamPrompts(image_index=torch.tensor([0, 1, 1]),
                         point_coords=torch.tensor([[[20.0, 15.0]], [[10.0, 40.0]], [[50.0, 10.0]]]),
                         point_labels=torch.ones(3, 1, dtype=torch.long))
    return images, gt, prompts


def test_distill_terms_zero_when_student_copies_teacher(tiny_sams):
    teacher = tiny_sams
    student = copy.deepcopy(teacher)
    images, gt, prompts = gt_and_prompts()
    with torch.no_grad():
        emb_T, out_T = run_sam(teacher, images, prompts)
    emb_S, out_S = run_sam(student, images, prompts)
    loss = TinySAMLoss()(masks_S=out_S.masks, iou_pred_S=out_S.iou_predictions, gt_masks=gt, embed_S=emb_S,
                         embed_T=emb_T, tokens_S=out_S.tokens, tokens_T=out_T.tokens, masks_T=out_T.masks)
    for key in ('loss_embedding', 'loss_token', 'loss_output'):
        assert loss[key].item() == pytest.approx(0.0, abs=1e-6), key
    assert set(loss) == {'loss_focal', 'loss_dice', 'loss_iou', 'loss_embedding', 'loss_token', 'loss_output'}
    # equal IoUs (> 0) give H = 0.5
    iou = torch.tensor([0.3, 0.7, 1.0])
    torch.testing.assert_close(hard_mask_weight(iou, iou), torch.full((3,), 0.5))


def test_gradients_reach_student_only(tiny_sams):
    teacher = tiny_sams
    student = build_sam(img_size=64, patch_size=8, encoder_embed_dim=16, encoder_depth=1, encoder_num_heads=1,
                        encoder_global_attn_indexes=(0,), encoder_window_size=0, prompt_embed_dim=32,
                        decoder_mlp_dim=64, decoder_num_heads=2, iou_head_hidden_dim=32)
    images, gt, prompts = gt_and_prompts()
    with torch.no_grad():
        emb_T, out_T = run_sam(teacher, images, prompts)
    emb_S, out_S = run_sam(student, images, prompts)
    loss = TinySAMLoss()(masks_S=out_S.masks, iou_pred_S=out_S.iou_predictions, gt_masks=gt, embed_S=emb_S,
                         embed_T=emb_T, tokens_S=out_S.tokens, tokens_T=out_T.tokens, masks_T=out_T.masks)
    sum(loss.values()).backward()
    assert all(p.grad is None for p in teacher.parameters())
    assert student.image_encoder.patch_embed.proj.weight.grad.abs().sum() > 0
    assert student.mask_decoder.iou_prediction_head.layers[0].weight.grad.abs().sum() > 0
    # teacher tensors that do require grad still get none (they are detached targets)
    masks_T = out_T.masks.clone().requires_grad_(True)
    tokens_T = out_T.tokens.clone().requires_grad_(True)
    masks_S = out_S.masks.detach().requires_grad_(True)
    loss = TinySAMLoss()(masks_S=masks_S, iou_pred_S=out_S.iou_predictions.detach(), gt_masks=gt,
                         tokens_S=out_S.tokens.detach().requires_grad_(True), tokens_T=tokens_T, masks_T=masks_T)
    sum(loss.values()).backward()
    assert masks_T.grad is None and tokens_T.grad is None and masks_S.grad.abs().sum() > 0


def test_without_teacher_only_gt_terms_and_errors():
    gt = torch.ones(2, 4, 4, dtype=torch.bool)
    loss_fn = MODELS.build(dict(type='mmkd.TinySAMLoss', alpha=2.0))
    assert isinstance(loss_fn, TinySAMLoss)
    out = loss_fn(masks_S=torch.zeros(2, 1, 4, 4), iou_pred_S=torch.zeros(2, 1), gt_masks=gt)
    assert set(out) == {'loss_focal', 'loss_dice', 'loss_iou'}
    with pytest.raises(ValueError, match=r'iou_pred_S \(2, 3\) must be \(N, M\) of masks_S \(2, 1, 4, 4\)'):
        loss_fn(masks_S=torch.zeros(2, 1, 4, 4), iou_pred_S=torch.zeros(2, 3), gt_masks=gt)
    with pytest.raises(ValueError, match='pass embed_S with embed_T'):
        loss_fn(masks_S=torch.zeros(2, 1, 4, 4), iou_pred_S=torch.zeros(2, 1), gt_masks=gt,
                embed_S=torch.zeros(1, 8, 2, 2))
    with pytest.raises(ValueError, match=r'TinySAM embedding expects preds_S and preds_T of the same shape'):
        loss_fn(masks_S=torch.zeros(2, 1, 4, 4), iou_pred_S=torch.zeros(2, 1), gt_masks=gt,
                embed_S=torch.zeros(1, 8, 2, 2), embed_T=torch.zeros(1, 8, 4, 4))
    with pytest.raises(ValueError, match=r'mask logits \(N, M, h, w\) and gt_masks \(N, H, W\) with the same N'):
        loss_fn(masks_S=torch.zeros(3, 1, 4, 4), iou_pred_S=torch.zeros(3, 1), gt_masks=gt)
    with pytest.raises(ValueError, match='weights of shape'):
        weighted_output_loss(torch.zeros(2, 1, 4, 4), torch.zeros(2, 1, 4, 4), torch.ones(3))
    with pytest.raises(ValueError, match='eps must be positive'):
        TinySAMLoss(eps=0)


def test_combine_prompt_losses_is_the_mean_over_all_prompts():
    per_type = dict(point=dict(loss_focal=torch.tensor(1.0), loss_token=torch.tensor(2.0),
                               loss_embedding=torch.tensor(5.0)),
                    box=dict(loss_focal=torch.tensor(4.0), loss_token=torch.tensor(0.5)))
    out = combine_prompt_losses(per_type, dict(point=3, box=1))
    assert out['loss_focal'].item() == pytest.approx((3 * 1.0 + 4.0) / 4)
    assert out['loss_token'].item() == pytest.approx((3 * 2.0 + 0.5) / 4)
    assert out['loss_embedding'].item() == 5.0  # computed once, not averaged with absent values


def test_combined_mask_terms_equal_one_call_on_all_prompts():
    g = torch.Generator().manual_seed(0)
    masks_S, masks_T = torch.randn(5, 1, 8, 8, generator=g), torch.randn(5, 1, 8, 8, generator=g)
    ious, gt = torch.rand(5, 1, generator=g), torch.rand(5, 16, 16, generator=g) > 0.5
    loss = TinySAMLoss()
    whole = loss(masks_S, ious, gt, masks_T=masks_T)
    parts = {kind: loss(masks_S[idx], ious[idx], gt[idx], masks_T=masks_T[idx])
             for kind, idx in (('point', slice(0, 3)), ('box', slice(3, 5)))}
    combined = combine_prompt_losses(parts, dict(point=3, box=2))
    for key in whole:
        assert combined[key].item() == pytest.approx(whole[key].item(), rel=1e-5), key


def test_distiller_term_modules_hand_values():
    # the masks of test_iou_and_hard_weighted_output_from_hand_masks: mean |D_S - D_T| = 0.4, H = sigmoid(1)
    gt = torch.zeros(1, 20, dtype=torch.bool)
    gt[0, :10] = True
    gt = gt.view(1, 4, 5)
    masks_T, masks_S = masks_with(range(8)), masks_with(range(4))
    assert TinySAMOutputLoss(loss_weight=0.1)(masks_S, masks_T, gt).item() == pytest.approx(0.1 * SIGMOID_1 * 0.4,
                                                                                            rel=1e-5)
    plain = TinySAMOutputLoss(loss_weight=0.1, hard_mask_weighting=False)
    assert plain(masks_S, masks_T, gt).item() == pytest.approx(0.04, rel=1e-6)
    # |1 - 3| and |-2 - 0| over 2 elements, times 0.5
    l1 = L1DistillLoss(loss_weight=0.5)(torch.tensor([1.0, -2.0]), torch.tensor([3.0, 0.0]))
    assert l1.item() == pytest.approx(0.5 * (2 + 2) / 2)
    with pytest.raises(ValueError, match='preds_S and preds_T of the same shape'):
        L1DistillLoss()(torch.zeros(2, 3), torch.zeros(3, 2))
    with pytest.raises(ValueError, match='TinySAMOutputLoss: eps must be positive'):
        TinySAMOutputLoss(eps=0.0)
