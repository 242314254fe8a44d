"""Prompts from ground-truth instance masks, for SAM's prompted training and its evaluation.

A SAM-style model is trained and evaluated per instance: every ground-truth
mask of an image becomes a point prompt and a box prompt, and the model must
return that mask. The data come from mmdet as they are
(``LoadAnnotations(with_mask=True)`` -> ``gt_instances.masks``), so the
datasets know nothing about SAM; this module turns them into
:class:`~mmkd.models.sam.SamPrompts`.

* Training (:meth:`SamPromptSampler.sample`): up to ``max_instances`` masks
  per image; a point prompt per mask, either one random point inside it or
  TinySAM's hard prompt sampling driven by the model being trained (rounds
  drawn from ``0..max_rounds`` per image); a box prompt per mask (its tight
  box with SAM's jitter).
* Evaluation (:func:`predict_instance_masks`): one point (the centre-most
  pixel of each mask) and one box (its tight box), no randomness, written to
  the data sample as ``gt_masks`` / ``pred_masks`` for ``PromptMIoU``.

Coordinates are pixels of the model input (the resized, padded image), the
frame ``SamPredictor`` passes to the prompt encoder.
"""
from __future__ import annotations

from typing import Dict, List, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from segment_anything.modeling import Sam
from torch import Tensor

from mmkd.models.losses.tinysam import to_gt_size
from .decoding import SamDecoderOutput, SamPrompts, decode_masks
from .prompt_sampling import (PAD_LABEL, boxes_from_masks, center_points_of_masks, draw_num_rounds,
                              sample_hard_point_prompts, sample_points_in_masks)

PROMPT_TYPES = ('point', 'box')


def check_prompt_types(prompt_types: Sequence[str], arg: str) -> tuple:
    """``prompt_types`` as a tuple, or ``ValueError`` naming ``arg`` unless a non-empty subset of ``PROMPT_TYPES``."""
    if isinstance(prompt_types, str) or not prompt_types or set(prompt_types) - set(PROMPT_TYPES):
        raise ValueError(f'{arg} must be a non-empty subset of {PROMPT_TYPES}, got {prompt_types!r}')
    return tuple(prompt_types)


def instance_masks(data_sample, size: Tuple[int, int], device: torch.device) -> Tensor:
    """The sample's non-empty ground-truth instance masks ``(n, H, W)`` as booleans in the frame ``size``.

    mmdet pads training masks to the batch shape but leaves validation masks
    at ``img_shape``; both are zero-padded or cropped to ``size`` here. Masks
    that are empty in that frame (instances lost when resizing) are dropped:
    no prompt can be placed on them.
    """
    gt = data_sample.gt_instances
    if 'masks' not in gt:
        raise KeyError('SAM prompt training needs instance masks: load them with '
                       "dict(type='mmdet.LoadAnnotations', with_bbox=True, with_mask=True) in the pipeline "
                       f'(data sample of {data_sample.metainfo.get("img_path", "?")} has gt_instances keys '
                       f'{sorted(gt.keys())})')
    masks = gt.masks
    masks = masks.to_ndarray() if hasattr(masks, 'to_ndarray') else np.asarray(masks.cpu())
    masks = torch.as_tensor(masks, device=device).bool()
    h, w = size
    masks = masks[:, :h, :w]
    if masks.shape[1:] != (h, w):
        masks = F.pad(masks, (0, w - masks.shape[2], 0, h - masks.shape[1]))
    return masks[masks.flatten(1).any(1)]


def _pad_points(coords: Tensor, labels: Tensor, num: int) -> Tuple[Tensor, Tensor]:
    """Append SAM padding points (label -1) up to ``num`` points per prompt."""
    extra = num - coords.shape[1]
    if extra <= 0:
        return coords, labels
    return (torch.cat([coords, coords.new_zeros(coords.shape[0], extra, 2)], 1),
            torch.cat([labels, labels.new_full((labels.shape[0], extra), PAD_LABEL)], 1))


def best_masks(out: SamDecoderOutput) -> Tensor:
    """``(N, 1, h, w)``: each prompt's mask with the highest predicted IoU.

    SAM's choice among its multimask outputs; with a single output it is that mask.
    """
    best = out.iou_predictions.argmax(1)
    return out.masks[torch.arange(best.shape[0], device=best.device), best].unsqueeze(1)


def _upsampled_masks(sam: Sam, out: SamDecoderOutput, gt: Tensor) -> Tensor:
    """Binary ``(N, H, W)`` masks (the best output of each prompt) at the ground truth's size."""
    return to_gt_size(best_masks(out), gt)[:, 0] > sam.mask_threshold


class SamPromptSampler:
    """Training prompts for SAM-style models from ground-truth masks.

    Args:
        prompt_types: which prompts each sampled instance gets: ``'point'``
            and/or ``'box'`` (SAM and TinySAM train on both).
        max_instances: at most this many instances per image and iteration
            (a random subset beyond it). TinySAM samples 64 prompts per
            iteration; the embedded set has 1-4 objects per image.
        hard_point_sampling: TinySAM's online hard prompt sampling: after the
            first point, ``k ~ U{0..max_rounds}`` rounds (drawn per image) each
            add a point in the part of the mask the current model misses.
            ``False``: one random point inside each mask.
        max_rounds: TinySAM: 9.
        points_per_round: new points per mask and round.
        box_jitter, box_max_jitter: SAM's box noise (10 % of the side, at most
            20 px); ``box_jitter=0`` gives tight boxes.
    """

    def __init__(self, prompt_types: Sequence[str] = PROMPT_TYPES, max_instances: int = 16,
                 hard_point_sampling: bool = False, max_rounds: int = 9, points_per_round: int = 1,
                 box_jitter: float = 0.1, box_max_jitter: float = 20.0) -> None:
        if max_instances < 1 or max_rounds < 0 or points_per_round < 1:
            raise ValueError(f'prompts: need max_instances >= 1, max_rounds >= 0, points_per_round >= 1, got '
                             f'{max_instances}, {max_rounds}, {points_per_round}')
        self.prompt_types = check_prompt_types(prompt_types, 'prompts.prompt_types')
        self.max_instances = max_instances
        self.hard_point_sampling = hard_point_sampling
        self.max_rounds = max_rounds
        self.points_per_round = points_per_round
        self.box_jitter = box_jitter
        self.box_max_jitter = box_max_jitter
        self.last_rounds: List[int] = []  # rounds run per image in the last call (for tests and logging)

    def select_instances(self, data_samples: Sequence, size: Tuple[int, int],
                         device: torch.device) -> Tuple[Tensor, Tensor]:
        """``(gt_masks (N, H, W), image_index (N,))`` of the instances prompted this iteration."""
        masks, index = [], []
        for b, sample in enumerate(data_samples):
            m = instance_masks(sample, size, device)
            if m.shape[0] > self.max_instances:
                m = m[torch.randperm(m.shape[0])[:self.max_instances].to(device)]
            masks.append(m)
            index.append(torch.full((m.shape[0],), b, dtype=torch.long, device=device))
        return torch.cat(masks), torch.cat(index)

    def _point_prompts(self, sam: Sam, embeddings: Tensor, gt: Tensor, image_index: Tensor,
                       multimask_output: bool) -> SamPrompts:
        coords, labels = [], []
        self.last_rounds = []
        for b in torch.unique(image_index).tolist():
            gt_b = gt[image_index == b]
            if not self.hard_point_sampling:
                c, lab = sample_points_in_masks(gt_b, 1)
                self.last_rounds.append(0)
            else:
                emb_b = embeddings[b:b + 1]

                def predict(pc: Tensor, pl: Tensor, emb_b=emb_b, gt_b=gt_b) -> Tensor:
                    prompts = SamPrompts(torch.zeros(pc.shape[0], dtype=torch.long, device=pc.device), pc, pl)
                    return _upsampled_masks(sam, decode_masks(sam, emb_b, prompts, multimask_output), gt_b)

                with torch.no_grad():
                    c, lab, rounds = sample_hard_point_prompts(gt_b, predict, draw_num_rounds(self.max_rounds),
                                                               self.points_per_round)
                self.last_rounds.append(rounds)
            coords.append(c)
            labels.append(lab)
        num = max(c.shape[1] for c in coords)
        padded = [_pad_points(c, lab, num) for c, lab in zip(coords, labels)]
        order = torch.cat([torch.nonzero(image_index == b).flatten() for b in torch.unique(image_index).tolist()])
        inverse = torch.argsort(order)
        return SamPrompts(image_index, torch.cat([p[0] for p in padded])[inverse].float(),
                          torch.cat([p[1] for p in padded])[inverse])

    def sample(self, sam: Sam, embeddings: Tensor, data_samples: Sequence,
               multimask_output: bool = False) -> Dict[str, Tuple[SamPrompts, Tensor]]:
        """``{prompt type: (prompts, gt_masks (N, H, W))}`` for this iteration; empty when no image has a mask.

        ``sam`` and ``embeddings`` drive hard point sampling (run without
        gradient, decoding as in training: ``multimask_output``, best mask by
        predicted IoU); pass the model being trained and its own embeddings.
        """
        size = (sam.image_encoder.img_size,) * 2
        gt, image_index = self.select_instances(data_samples, size, embeddings.device)
        if gt.shape[0] == 0:
            return {}
        result = {}
        for kind in self.prompt_types:
            if kind == 'point':
                prompts = self._point_prompts(sam, embeddings.detach(), gt, image_index, multimask_output)
            else:
                boxes = boxes_from_masks(gt, jitter=self.box_jitter, max_jitter=self.box_max_jitter)
                prompts = SamPrompts(image_index, boxes=boxes)
            result[kind] = (prompts, gt)
        return result


def eval_prompts(gt: Tensor, kind: str) -> SamPrompts:
    """The deterministic evaluation prompt of each mask: its centre-most pixel or its tight box."""
    index = torch.zeros(gt.shape[0], dtype=torch.long, device=gt.device)
    if kind == 'point':
        coords = center_points_of_masks(gt)
        return SamPrompts(index, coords, torch.ones(coords.shape[:2], dtype=torch.long, device=gt.device))
    if kind == 'box':
        return SamPrompts(index, boxes=boxes_from_masks(gt))
    raise ValueError(f'unknown prompt type {kind!r}; known: {PROMPT_TYPES}')


@torch.no_grad()
def predict_instance_masks(sam: Sam, embeddings: Tensor, data_samples: Sequence,
                           prompt_types: Sequence[str] = PROMPT_TYPES, multimask_output: bool = False) -> Sequence:
    """Prompt ``sam`` once per instance and prompt type; store the result on each data sample.

    Each sample gets ``gt_masks`` ``(n, h, w)`` (its non-empty instance masks
    in the resized image, ``img_shape``) and ``pred_masks = {type: (n, h, w)}``
    boolean masks (``Sam.postprocess_masks``: upsampled, the padding cropped
    off; with ``multimask_output`` the mask of highest predicted IoU), what
    ``mmkd.PromptMIoU`` reads. Masks are compared in the resized
    image; for the 128 px embedded set that is the original resolution.
    """
    size = (sam.image_encoder.img_size,) * 2
    for b, sample in enumerate(data_samples):
        h, w = sample.metainfo.get('img_shape', size)[:2]
        gt = instance_masks(sample, size, embeddings.device)
        crop_gt = gt[:, :h, :w]
        keep = crop_gt.flatten(1).any(1)
        gt, crop_gt = gt[keep], crop_gt[keep]
        preds = {}
        for kind in prompt_types:
            if gt.shape[0] == 0:
                preds[kind] = torch.zeros(0, h, w, dtype=torch.bool)
                continue
            out = decode_masks(sam, embeddings[b:b + 1], eval_prompts(crop_gt, kind), multimask_output)
            logits = sam.postprocess_masks(best_masks(out), (h, w), (h, w))[:, 0]
            preds[kind] = (logits > sam.mask_threshold).cpu()
        sample.gt_masks = crop_gt.cpu()
        sample.pred_masks = preds
    return data_samples
