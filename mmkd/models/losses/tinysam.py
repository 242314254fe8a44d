"""TinySAM full-stage distillation with hard mask weighting, plus SAM's mask losses.

Shu et al., "TinySAM: Pushing the Envelope for Efficient Segment Anything
Model", AAAI 2025 (no training code released; terms from the paper):

* ``L_embedding = |E_S - E_T|``: image embeddings;
* ``L_token = |T_S - T_T|``: the mask decoder's two-way transformer output for
  its queries (output tokens and prompt tokens);
* ``L_output = sum_i H_i |D_S^i - D_T^i|``: mask logits, each mask weighted by
  ``H_i = sigmoid(IoU(M_T^i, GT) / (IoU(M_S^i, GT) + eps) - 1)``, so masks the
  student gets wrong while the teacher gets right weigh up to 1, easy ones 0.5;
* ``L_mask``: focal + dice against the ground truth; ``L_iou``: l1 between the
  predicted IoU and the IoU the predicted mask actually has.

The paper uses l1 for every distillation term (MSE was "too small to
optimise"). Its weights alpha, beta, gamma and eps are not given; 1, 1, 1 and
1e-6 are the defaults here (the configs use gamma = 0.1). The focal:dice ratio
20:1 is SAM's.

In training, the ground-truth terms are the SAM task model's own loss
(``SamPromptTrainer`` with ``TinySAMLoss``), and each distillation term is a
loss of :class:`~mmkd.models.distillers.TinySAMDistiller`:
:class:`L1DistillLoss` (``loss_weight`` alpha, beta) for the embeddings and
tokens, :class:`TinySAMOutputLoss` (``loss_weight`` gamma) for the masks, so
every term can be scheduled by name. :class:`TinySAMLoss` computes all of them
in one call from given tensors.
"""
from __future__ import annotations

from typing import Dict, Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torchvision.ops import sigmoid_focal_loss

from mmkd.registry import MODELS
from .utils import check_pair


# ------------------------------------------------------------- pure functions
def _check_masks(name: str, logits: Tensor, gt_masks: Tensor) -> None:
    if logits.ndim != 4 or gt_masks.ndim != 3 or logits.shape[0] != gt_masks.shape[0]:
        raise ValueError(f'{name} expects mask logits (N, M, h, w) and gt_masks (N, H, W) with the same N, '
                         f'got {tuple(logits.shape)} and {tuple(gt_masks.shape)}')


def to_gt_size(logits: Tensor, gt_masks: Tensor) -> Tensor:
    """Mask logits ``(N, M, h, w)`` resized bilinearly to the ground truth's ``(H, W)``, float32.

    SAM's decoder predicts at 4x the embedding resolution and upsamples the
    logits (``Sam.postprocess_masks``); losses against the ground truth are
    taken after the same upsampling.
    """
    _check_masks('to_gt_size', logits, gt_masks)
    logits = logits.float()
    if logits.shape[-2:] != gt_masks.shape[-2:]:
        logits = F.interpolate(logits, size=gt_masks.shape[-2:], mode='bilinear', align_corners=False)
    return logits


@torch.no_grad()
def mask_iou(logits: Tensor, gt_masks: Tensor, threshold: float = 0.0) -> Tensor:
    """IoU of each binarised mask (``logits > threshold``) with its GT mask, ``(N, M)``, no gradient.

    ``logits`` is ``(N, M, H, W)`` at the GT's size. An empty prediction of an
    empty GT mask counts as a perfect match (IoU 1).
    """
    _check_masks('mask_iou', logits, gt_masks)
    pred = logits > threshold
    gt = gt_masks.bool().unsqueeze(1)
    inter = (pred & gt).flatten(2).sum(-1).float()
    union = (pred | gt).flatten(2).sum(-1).float()
    return torch.where(union > 0, inter / union.clamp(min=1), torch.ones_like(union))


@torch.no_grad()
def hard_mask_weight(iou_T: Tensor, iou_S: Tensor, eps: float = 1e-6) -> Tensor:
    """``H = sigmoid(IoU_T / (IoU_S + eps) - 1)``, no gradient (a weight, not a target)."""
    return torch.sigmoid(iou_T.float() / (iou_S.float() + eps) - 1)


def mask_focal_loss(logits: Tensor, gt_masks: Tensor, alpha: float = 0.25, gamma: float = 2.0) -> Tensor:
    """Sigmoid focal loss (torchvision's) of each mask, mean over pixels, ``(N, M)``.

    ``logits`` ``(N, M, H, W)`` at the GT's size; ``gt_masks`` ``(N, H, W)``.
    """
    _check_masks('mask_focal_loss', logits, gt_masks)
    target = gt_masks.float().unsqueeze(1).expand_as(logits)
    return sigmoid_focal_loss(logits.float(), target, alpha=alpha, gamma=gamma, reduction='none').flatten(2).mean(-1)


def mask_dice_loss(logits: Tensor, gt_masks: Tensor, smooth: float = 1.0) -> Tensor:
    """Dice loss ``1 - (2 sum(p g) + smooth) / (sum p + sum g + smooth)`` of each mask, ``(N, M)``.

    ``p = sigmoid(logits)``; ``smooth`` keeps the loss defined for empty masks.
    """
    _check_masks('mask_dice_loss', logits, gt_masks)
    prob = logits.float().sigmoid().flatten(2)
    target = gt_masks.float().unsqueeze(1).flatten(2)
    inter = (prob * target).sum(-1)
    return 1 - (2 * inter + smooth) / (prob.sum(-1) + target.sum(-1) + smooth)


def l1_distill_loss(preds_S: Tensor, preds_T: Tensor, name: str = 'L1 distillation') -> Tensor:
    """Mean absolute difference of equal-shape tensors, float32; the teacher side is detached."""
    check_pair(name, preds_S, preds_T)
    return (preds_S.float() - preds_T.detach().float()).abs().mean()


def weighted_output_loss(masks_S: Tensor, masks_T: Tensor, weights: Optional[Tensor] = None) -> Tensor:
    """``mean_i H_i * mean_pixels |D_S^i - D_T^i|`` over the ``N * M`` masks (``H = 1`` without weights).

    The paper writes a sum over masks; the mean keeps the scale independent
    of how many prompts an iteration samples (a constant absorbed by gamma).
    """
    check_pair('TinySAM output', masks_S, masks_T, ndim=4)
    per_mask = (masks_S.float() - masks_T.detach().float()).abs().flatten(2).mean(-1)
    if weights is not None:
        if weights.shape != per_mask.shape:
            raise ValueError(f'TinySAM output: weights of shape {tuple(weights.shape)} do not match the '
                             f'{tuple(per_mask.shape)} masks')
        per_mask = per_mask * weights.detach()
    return per_mask.mean()


def hard_weighted_output_loss(masks_S: Tensor, masks_T: Tensor, gt_masks: Tensor, iou_S: Optional[Tensor] = None,
                              eps: float = 1e-6, mask_threshold: float = 0.0) -> Tensor:
    """``L_output`` with hard mask weighting: :func:`weighted_output_loss` with
    ``H = sigmoid(IoU(M_T, GT) / (IoU(M_S, GT) + eps) - 1)`` (no gradient).

    ``iou_S`` ``(N, M)``: the student's IoUs if already computed (else from ``masks_S``).
    """
    if iou_S is None:
        iou_S = mask_iou(to_gt_size(masks_S.detach(), gt_masks), gt_masks, mask_threshold)
    iou_T = mask_iou(to_gt_size(masks_T.detach(), gt_masks), gt_masks, mask_threshold)
    return weighted_output_loss(masks_S, masks_T, hard_mask_weight(iou_T, iou_S, eps))


def combine_prompt_losses(per_type: Dict[str, Dict[str, Tensor]], counts: Dict[str, int]) -> Dict[str, Tensor]:
    """Mean of each loss over all prompts, from per-prompt-type losses.

    Point and box prompts are decoded separately (their decoder token
    sequences differ in length), so the loss is computed per type; weighting
    each type's mean by its prompt count gives the mean over every prompt,
    exactly what one call on all prompts would give for the mask terms.
    ``counts`` may instead count ground-truth masks (``SamPrompts.mask_count``)
    when one type has several prompts per mask (every hard-sampling round):
    each type then weighs by the masks it covers.
    A loss present for one type only (the image embedding term) is kept as is.
    """
    total = sum(counts.values())
    keys = {k for losses in per_type.values() for k in losses}
    combined = {}
    for key in sorted(keys):
        kinds = [kind for kind in per_type if key in per_type[kind]]
        if len(kinds) == 1:
            combined[key] = per_type[kinds[0]][key]
        else:
            combined[key] = sum(per_type[kind][key] * (counts[kind] / total) for kind in kinds)
    return combined


# ------------------------------------------------------------- modules
@MODELS.register_module()
class L1DistillLoss(nn.Module):
    """``loss_weight * mean |S - T|`` over every element (TinySAM's embedding and token terms)."""

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, preds_S: Tensor, preds_T: Tensor) -> Tensor:
        return self.loss_weight * l1_distill_loss(preds_S, preds_T)


@MODELS.register_module()
class TinySAMOutputLoss(nn.Module):
    """TinySAM's mask-output term ``loss_weight * mean_i H_i |D_S^i - D_T^i|``.

    Args:
        loss_weight: gamma.
        hard_mask_weighting: ``False`` drops ``H`` (every mask weighs 1), the
            ablation without hard mask weighting.
        eps: keeps ``H`` finite when the student's IoU is 0.
        mask_threshold: logit above which a pixel is in a mask (SAM's 0).
    """

    def __init__(self, loss_weight: float = 1.0, hard_mask_weighting: bool = True, eps: float = 1e-6,
                 mask_threshold: float = 0.0) -> None:
        super().__init__()
        if eps <= 0:
            raise ValueError(f'TinySAMOutputLoss: eps must be positive, got {eps}')
        self.loss_weight = loss_weight
        self.hard_mask_weighting = hard_mask_weighting
        self.eps = eps
        self.mask_threshold = mask_threshold

    def forward(self, preds_S: Tensor, preds_T: Tensor, gt_masks: Tensor) -> Tensor:
        """``preds_S``, ``preds_T``: ``(N, M, h, w)`` mask logits; ``gt_masks``: ``(N, H, W)``."""
        if not self.hard_mask_weighting:
            return self.loss_weight * weighted_output_loss(preds_S, preds_T)
        return self.loss_weight * hard_weighted_output_loss(preds_S, preds_T, gt_masks, eps=self.eps,
                                                            mask_threshold=self.mask_threshold)


@MODELS.register_module()
class TinySAMLoss(nn.Module):
    """TinySAM's total loss: ``alpha L_embedding + beta L_token + gamma L_output* + L_mask + L_iou``.

    Args:
        alpha, beta, gamma: weights of the embedding, token and (hard-mask
            weighted) output distillation terms.
        eps: keeps ``H`` finite when the student's IoU is 0.
        hard_mask_weighting: ``False`` drops ``H`` (every mask weighs 1), the
            ablation without hard mask weighting.
        focal_weight, dice_weight: ``L_mask = focal_weight * focal + dice_weight * dice``
            (SAM's 20:1); ``focal_alpha``, ``focal_gamma`` as in torchvision.
        iou_weight: weight of ``L_iou``.
        mask_threshold: logit above which a pixel is in a mask (SAM's 0).

    With ``M > 1`` masks per prompt (SAM's multimask output) ``L_mask`` keeps
    each prompt's lowest-loss mask, as SAM does for ambiguous prompts; the
    distillation and IoU terms use all masks. Teacher inputs may be ``None``
    to train on the ground truth alone (the no-distillation baseline).
    """

    def __init__(self, alpha: float = 1.0, beta: float = 1.0, gamma: float = 1.0, eps: float = 1e-6,
                 hard_mask_weighting: bool = True, focal_weight: float = 20.0, dice_weight: float = 1.0,
                 focal_alpha: float = 0.25, focal_gamma: float = 2.0, iou_weight: float = 1.0,
                 mask_threshold: float = 0.0) -> None:
        super().__init__()
        if eps <= 0:
            raise ValueError(f'TinySAMLoss: eps must be positive, got {eps}')
        self.alpha, self.beta, self.gamma, self.eps = alpha, beta, gamma, eps
        self.hard_mask_weighting = hard_mask_weighting
        self.focal_weight, self.dice_weight = focal_weight, dice_weight
        self.focal_alpha, self.focal_gamma = focal_alpha, focal_gamma
        self.iou_weight = iou_weight
        self.mask_threshold = mask_threshold

    def forward(self, masks_S: Tensor, iou_pred_S: Tensor, gt_masks: Tensor,
                embed_S: Optional[Tensor] = None, embed_T: Optional[Tensor] = None,
                tokens_S: Optional[Tensor] = None, tokens_T: Optional[Tensor] = None,
                masks_T: Optional[Tensor] = None) -> Dict[str, Tensor]:
        """Args (``N`` prompts, ``M`` masks each):
            masks_S, masks_T: ``(N, M, h, w)`` low-resolution mask logits.
            iou_pred_S: ``(N, M)`` the student's predicted IoU.
            gt_masks: ``(N, H, W)`` ground-truth masks (any resolution; logits
                are upsampled to it for the GT terms).
            embed_S, embed_T: ``(B, C, h', w')`` image embeddings.
            tokens_S, tokens_T: ``(N, T, C)`` decoder transformer outputs.

        Returns weighted terms ``loss_focal``, ``loss_dice``, ``loss_iou`` and,
        for each teacher input given, ``loss_embedding`` / ``loss_token`` /
        ``loss_output``.
        """
        if iou_pred_S.shape != masks_S.shape[:2]:
            raise ValueError(f'TinySAMLoss: iou_pred_S {tuple(iou_pred_S.shape)} must be (N, M) of masks_S '
                             f'{tuple(masks_S.shape)}')
        logits_S = to_gt_size(masks_S, gt_masks)
        iou_S = mask_iou(logits_S, gt_masks, self.mask_threshold)
        mask_loss = (self.focal_weight * mask_focal_loss(logits_S, gt_masks, self.focal_alpha, self.focal_gamma),
                     self.dice_weight * mask_dice_loss(logits_S, gt_masks))
        best = (mask_loss[0] + mask_loss[1]).argmin(dim=1, keepdim=True)  # SAM: lowest-loss mask per prompt
        losses = dict(loss_focal=mask_loss[0].gather(1, best).mean(), loss_dice=mask_loss[1].gather(1, best).mean(),
                      loss_iou=self.iou_weight * (iou_pred_S.float() - iou_S).abs().mean())
        if (embed_S is None) != (embed_T is None) or (tokens_S is None) != (tokens_T is None):
            raise ValueError('TinySAMLoss: pass embed_S with embed_T and tokens_S with tokens_T')
        if embed_T is not None:
            losses['loss_embedding'] = self.alpha * l1_distill_loss(embed_S, embed_T, 'TinySAM embedding')
        if tokens_T is not None:
            losses['loss_token'] = self.beta * l1_distill_loss(tokens_S, tokens_T, 'TinySAM token')
        if masks_T is not None:
            losses['loss_output'] = self.gamma * (
                hard_weighted_output_loss(masks_S, masks_T, gt_masks, iou_S, self.eps, self.mask_threshold)
                if self.hard_mask_weighting else weighted_output_loss(masks_S, masks_T))
        return losses
