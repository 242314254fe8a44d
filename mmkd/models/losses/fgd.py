"""Focal and Global Distillation for detectors (one FPN level per call).

Yang et al., "Focal and Global Knowledge Distillation for Detectors",
CVPR 2022; follows ``yzd-v/FGD mmdet/distillation/losses/fgd.py::FeatureLoss``:

* attention from ``|F|``: spatial ``S(F) = H*W*softmax(mean_c|F| / T)`` and
  channel ``Ch(F) = C*softmax(mean_hw|F| / T)``;
* GT masks on the feature map: ``M_fg`` the area-normalised max over boxes,
  ``M_bg`` the indicator of the rest normalised to sum 1;
* focal loss (teacher attention on both): ``sum M*S_t*Ch_t*(F_t - F_s)^2 / N``
  for the foreground (``alpha_fgd``) and the background (``beta_fgd``);
* attention loss ``sum|Ch_s - Ch_t| / N + sum|S_s - S_t| / N`` (``gamma_fgd``);
* global loss ``sum(R_s(F_s) - R_t(F_t))^2 / N`` with GcBlock context
  modules ``R`` for student and teacher (``lambda_fgd``).

Segmentation (an mmkd extension; FGD itself is a detection method): with
mmseg data samples there are no boxes, so the foreground is the set of pixels
whose ground-truth class is in ``foreground_classes`` (e.g. Cityscapes'
things). Without instances the per-box area normalisation has no analogue;
the foreground mask is normalised to sum 1 per image, like the background, so
the small foreground still weighs as much as the large background.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.model import constant_init, kaiming_init
from torch import Tensor, nn

from mmkd.registry import MODELS
from .utils import check_pair


# ------------------------------------------------------------- pure functions
def spatial_attention(feat: Tensor, temp: float = 0.5) -> Tensor:
    """``H*W*softmax(mean_c|F| / temp)`` over positions, shape ``(N, H, W)``; sums to ``H*W``."""
    N, _, H, W = feat.shape
    fea_map = feat.abs().mean(dim=1)
    return (H * W * F.softmax((fea_map / temp).reshape(N, -1), dim=1)).reshape(N, H, W)


def channel_attention(feat: Tensor, temp: float = 0.5) -> Tensor:
    """``C*softmax(mean_hw|F| / temp)`` over channels, shape ``(N, C)``; sums to ``C``."""
    C = feat.shape[1]
    channel_map = feat.abs().mean(dim=(2, 3))
    return C * F.softmax(channel_map / temp, dim=1)


def fgd_masks(gt_bboxes_per_image: Sequence[Any], img_shapes: Sequence[Sequence[int]],
              feat_hw: Sequence[int], device: Optional[torch.device] = None) -> Tuple[Tensor, Tensor]:
    """Foreground / background masks ``(N, H, W)`` from GT boxes.

    Boxes ``(x1, y1, x2, y2)`` in the coordinates of ``img_shapes[i] = (h, w)``
    are scaled to the ``feat_hw = (H, W)`` map; a box covers the cells
    ``floor(y1) .. ceil(y2) - 1`` by ``floor(x1) .. ceil(x2) - 1`` (clipped to
    the map, at least one cell). Inside a box the foreground value is
    ``1 / (cells high * cells wide)``, the max where boxes overlap, 0 elsewhere;
    the background mask is 1 where the foreground is 0, divided by its sum per
    image (all zeros when boxes cover the whole map).
    """
    H, W = int(feat_hw[0]), int(feat_hw[1])
    if len(gt_bboxes_per_image) != len(img_shapes):
        raise ValueError(f'fgd_masks: {len(gt_bboxes_per_image)} box sets but {len(img_shapes)} image shapes')
    fg = torch.zeros(len(gt_bboxes_per_image), H, W, device=device)
    rows = torch.arange(H, device=device).view(1, H, 1)
    cols = torch.arange(W, device=device).view(1, 1, W)
    for i, (boxes, shape) in enumerate(zip(gt_bboxes_per_image, img_shapes)):
        boxes = getattr(boxes, 'tensor', boxes)  # mmdet box types
        boxes = torch.as_tensor(boxes, dtype=torch.float32, device=device).reshape(-1, 4)
        if boxes.numel() == 0:
            continue
        img_h, img_w = float(shape[0]), float(shape[1])
        wmin = torch.floor(boxes[:, 0] / img_w * W).long().clamp(0, W - 1)
        hmin = torch.floor(boxes[:, 1] / img_h * H).long().clamp(0, H - 1)
        wmax = torch.maximum(torch.ceil(boxes[:, 2] / img_w * W).long().clamp(max=W), wmin + 1)
        hmax = torch.maximum(torch.ceil(boxes[:, 3] / img_h * H).long().clamp(max=H), hmin + 1)
        area = 1.0 / ((hmax - hmin) * (wmax - wmin)).float()
        inside = ((rows >= hmin.view(-1, 1, 1)) & (rows < hmax.view(-1, 1, 1))
                  & (cols >= wmin.view(-1, 1, 1)) & (cols < wmax.view(-1, 1, 1)))
        fg[i] = (inside.float() * area.view(-1, 1, 1)).amax(dim=0)
    bg = (fg == 0).float()
    bg = bg / bg.sum(dim=(1, 2), keepdim=True).clamp(min=1)
    return fg, bg


def fgd_masks_from_semseg(label_maps: Tensor, feat_hw: Sequence[int], foreground_classes: Sequence[int],
                          ignore_index: int = 255) -> Tuple[Tensor, Tensor]:
    """Foreground / background masks ``(N, H, W)`` from label maps ``(N, H0, W0)``.

    Each feature cell gets the fraction of its pixels that are foreground
    (class in ``foreground_classes``) and background (any other class but
    ``ignore_index``), by area pooling; each mask is then divided by its sum
    per image (all zeros when an image has none of that kind).
    """
    labels = label_maps.long()
    fg_classes = torch.as_tensor(list(foreground_classes), device=labels.device)
    fg = torch.isin(labels, fg_classes).float()
    bg = ((labels != ignore_index).float() - fg).clamp(min=0)
    pooled = F.adaptive_avg_pool2d(torch.stack([fg, bg], dim=1), tuple(int(v) for v in feat_hw))
    pooled = pooled / pooled.sum(dim=(2, 3), keepdim=True).clamp(min=1e-12)
    return pooled[:, 0], pooled[:, 1]


def fgd_focal_loss(preds_S: Tensor, preds_T: Tensor, mask_fg: Tensor, mask_bg: Tensor,
                   s_att_t: Tensor, c_att_t: Tensor) -> Tuple[Tensor, Tensor]:
    """``(sum M_fg*S_t*Ch_t*(F_t-F_s)^2 / N, same with M_bg)``, teacher attention on both."""
    N = preds_S.shape[0]
    weighted = (preds_T - preds_S).pow(2) * s_att_t.unsqueeze(1) * c_att_t[:, :, None, None]
    fg_loss = (weighted * mask_fg.unsqueeze(1)).sum() / N
    bg_loss = (weighted * mask_bg.unsqueeze(1)).sum() / N
    return fg_loss, bg_loss


def fgd_attention_loss(s_att_s: Tensor, s_att_t: Tensor, c_att_s: Tensor, c_att_t: Tensor) -> Tensor:
    """``sum|Ch_s - Ch_t| / N + sum|S_s - S_t| / N``."""
    N = s_att_s.shape[0]
    return (c_att_s - c_att_t).abs().sum() / N + (s_att_s - s_att_t).abs().sum() / N


def fgd_global_loss(rel_S: Tensor, rel_T: Tensor) -> Tensor:
    """``sum(R_s(F_s) - R_t(F_t))^2 / N`` on the GcBlock outputs."""
    return (rel_S - rel_T).pow(2).sum() / rel_S.shape[0]


# ------------------------------------------------------------------ modules
class GcBlock(nn.Module):
    """GCNet context block: ``F + W2(ReLU(LN(W1(sum_j softmax(W_k F)_j F_j))))``.

    ``W_k`` (``conv_mask``) is kaiming-initialised (fan_in); the last conv of
    ``channel_add`` is zero-initialised, so a fresh block is the identity.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        if channels < 2:
            raise ValueError(f'GcBlock needs at least 2 channels, got {channels}')
        self.conv_mask = nn.Conv2d(channels, 1, kernel_size=1)
        self.channel_add = nn.Sequential(
            nn.Conv2d(channels, channels // 2, kernel_size=1),
            nn.LayerNorm([channels // 2, 1, 1]),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels // 2, channels, kernel_size=1))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        kaiming_init(self.conv_mask, mode='fan_in')
        constant_init(self.channel_add[-1], val=0)

    def init_weights(self) -> None:  # keep the zero-init when a runner calls init_weights
        self.reset_parameters()

    def spatial_pool(self, x: Tensor) -> Tensor:
        N, C, H, W = x.shape
        weights = F.softmax(self.conv_mask(x).reshape(N, 1, H * W), dim=2)  # (N, 1, HW)
        return torch.bmm(x.reshape(N, C, H * W), weights.transpose(1, 2)).reshape(N, C, 1, 1)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.channel_add(self.spatial_pool(x))


@MODELS.register_module()
class FGDLoss(nn.Module):
    """FGD on one feature level: ``alpha*L_fg + beta*L_bg + gamma*L_at + lambda*L_glb``.

    Args:
        channels: width of the compared features (the teacher's; a student of
            another width goes through a ``ChannelAlignConnector`` first, as
            FGD's align conv).
        temp: attention temperature.
        alpha_fgd / beta_fgd / gamma_fgd / lambda_fgd: weights of the
            foreground, background, attention and global terms.
        foreground_classes: for segmentation label maps, the class ids that
            make the foreground (required then; unused for detection).
        ignore_index: label of ignored pixels (neither foreground nor background).
        loss_weight: overall factor.

    ``forward(preds_S, preds_T, gt)``: ``gt`` is the batch's ground truth as a
    loss input, either GT boxes with their input shapes (``BoxTargets``, from
    ``('data_samples', 'gt_boxes')``: boxes scaled from their input shape to
    the level's ``H x W``, so one loss serves every FPN level) or ``(N, H0, W0)``
    label maps (``('data_samples', 'gt_sem_seg')``, with ``foreground_classes``).
    The module owns the student and teacher GcBlocks.
    """

    def __init__(self, channels: int, temp: float = 0.5,
                 alpha_fgd: float = 1e-3, beta_fgd: float = 5e-4, gamma_fgd: float = 1e-3,
                 lambda_fgd: float = 5e-6, foreground_classes: Optional[Sequence[int]] = None,
                 ignore_index: int = 255, loss_weight: float = 1.0) -> None:
        super().__init__()
        if temp <= 0:
            raise ValueError(f'FGDLoss: temp must be positive, got {temp}')
        self.channels = channels
        self.temp = temp
        self.alpha_fgd = alpha_fgd
        self.beta_fgd = beta_fgd
        self.gamma_fgd = gamma_fgd
        self.lambda_fgd = lambda_fgd
        self.foreground_classes = None if foreground_classes is None else [int(c) for c in foreground_classes]
        self.ignore_index = ignore_index
        self.loss_weight = loss_weight
        self.gc_student = GcBlock(channels)
        self.gc_teacher = GcBlock(channels)

    def masks(self, gt: Union[Any, Tensor], batch_size: int, feat_hw: Sequence[int],
              device: torch.device) -> Tuple[Tensor, Tensor]:
        """Foreground/background masks from detection boxes or segmentation label maps."""
        if hasattr(gt, 'boxes') and hasattr(gt, 'input_shapes'):  # mmkd.structures.BoxTargets
            if len(gt) != batch_size:
                raise ValueError(f'FGDLoss: GT boxes of {len(gt)} data samples for a feature batch of {batch_size}')
            return fgd_masks(gt.boxes, gt.input_shapes, feat_hw, device=device)
        if not isinstance(gt, Tensor) or gt.dim() != 3:
            raise ValueError("FGDLoss: gt must be GT boxes (loss input ('data_samples', 'gt_boxes')) or (N, H, W) "
                             f"label maps (('data_samples', 'gt_sem_seg')), got {type(gt).__name__} "
                             f'{tuple(getattr(gt, "shape", ()))}')
        if gt.shape[0] != batch_size:
            raise ValueError(f'FGDLoss: label maps of {gt.shape[0]} data samples for a feature batch of {batch_size}')
        if self.foreground_classes is None:
            raise ValueError('FGDLoss got segmentation label maps: set foreground_classes to the class ids '
                             'that make the foreground')
        return fgd_masks_from_semseg(gt.to(device), feat_hw, self.foreground_classes, self.ignore_index)

    def forward(self, preds_S: Tensor, preds_T: Tensor, gt: Union[Any, Tensor]) -> Tensor:
        check_pair('FGD', preds_S, preds_T, ndim=4)
        if preds_T.shape[1] != self.channels:
            raise ValueError(f'FGD was built for {self.channels} channels, got features of shape '
                             f'{tuple(preds_T.shape)}')
        N, _, H, W = preds_T.shape
        mask_fg, mask_bg = self.masks(gt, N, (H, W), preds_T.device)
        preds_S, preds_T = preds_S.float(), preds_T.float()

        s_att_t, c_att_t = spatial_attention(preds_T, self.temp), channel_attention(preds_T, self.temp)
        s_att_s, c_att_s = spatial_attention(preds_S, self.temp), channel_attention(preds_S, self.temp)
        fg_loss, bg_loss = fgd_focal_loss(preds_S, preds_T, mask_fg, mask_bg, s_att_t, c_att_t)
        at_loss = fgd_attention_loss(s_att_s, s_att_t, c_att_s, c_att_t)
        glb_loss = fgd_global_loss(self.gc_student(preds_S), self.gc_teacher(preds_T))
        loss = (self.alpha_fgd * fg_loss + self.beta_fgd * bg_loss + self.gamma_fgd * at_loss
                + self.lambda_fgd * glb_loss)
        return self.loss_weight * loss
