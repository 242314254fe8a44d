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

import re
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from segment_anything.modeling import Sam
from torch import Tensor

from mmkd.models.losses.tinysam import to_gt_size
from .click_simulation import simulate_clicks
from .decoding import SamDecoderOutput, SamPrompts, decode_masks
from .prompt_sampling import (PAD_LABEL, boxes_from_masks, center_points_of_masks, draw_num_rounds,
                              sample_hard_point_prompts, sample_points_in_masks)

PROMPT_TYPES = ('point', 'box')
_CLICKS = re.compile(r'clicks([1-9][0-9]*)')


def click_count(kind: str) -> Optional[int]:
    """``N`` for an interactive evaluation prompt ``'clicks<N>'`` (N clicks, see
    :mod:`~mmkd.models.sam.click_simulation`), else ``None``."""
    match = _CLICKS.fullmatch(kind) if isinstance(kind, str) else None
    return int(match.group(1)) if match else None


def check_prompt_types(prompt_types: Sequence[str], arg: str, allow_clicks: bool = False) -> tuple:
    """``prompt_types`` as a tuple, or ``ValueError`` naming ``arg`` unless a non-empty subset of ``PROMPT_TYPES``
    (plus ``'clicks<N>'`` kinds with ``allow_clicks``: evaluation only)."""
    def known_kind(kind) -> bool:
        return kind in PROMPT_TYPES or bool(allow_clicks and click_count(kind))

    if isinstance(prompt_types, str) or not prompt_types or not all(map(known_kind, prompt_types)):
        known = PROMPT_TYPES + (("'clicks<N>' (N >= 1)",) if allow_clicks else ())
        raise ValueError(f'{arg} must be a non-empty list of {known}, got {prompt_types!r}')
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
        train_every_round: with hard point sampling, train on the prompt of
            every round (1 point, then 2, ...) instead of only the final one.
            The final prompt alone has a single point for only one draw of
            ``k`` in ten, so single-point prompting is barely trained (this
            project measured single-point mIoU collapsing with it); SAM's own
            interactive training also takes the loss at every click. The
            prompt types stay weighted by masks, not prompts
            (``SamPrompts.num_masks``).
        rounds_per_mask: with ``train_every_round``, keep at most this many of
            each mask's round prompts, drawn uniformly without replacement
            (``None``: all). Every round costs a decoder pass with gradient in
            the student and one in a distilling teacher, about 1 + 4.5 per
            mask at ``max_rounds=9``; ``1`` trains on one uniformly drawn round
            per mask, as cheap as the final prompt alone, while the single
            point keeps its share of the rounds (mean of ``1 / (k + 1)``: 29 %
            of the masks at ``max_rounds=9``, against 10 % with the final
            prompt only).
        keep_first_round: with ``rounds_per_mask``, always keep each mask's
            first round (its single point) and draw the other
            ``rounds_per_mask - 1`` uniformly among its later rounds. Every
            mask then trains the single point at every step, as with all
            rounds (SAM's interactive training also starts each mask with one
            click), at ``rounds_per_mask`` decoder passes per mask instead of
            about 5.5.
        box_jitter, box_max_jitter: SAM's box noise (10 % of the side, at most
            20 px); ``box_jitter=0`` gives tight boxes.
    """

    def __init__(self, prompt_types: Sequence[str] = PROMPT_TYPES, max_instances: int = 16,
                 hard_point_sampling: bool = False, max_rounds: int = 9, points_per_round: int = 1,
                 train_every_round: bool = True, rounds_per_mask: Optional[int] = None,
                 keep_first_round: bool = False, box_jitter: float = 0.1, box_max_jitter: float = 20.0) -> None:
        if max_instances < 1 or max_rounds < 0 or points_per_round < 1:
            raise ValueError(f'prompts: need max_instances >= 1, max_rounds >= 0, points_per_round >= 1, got '
                             f'{max_instances}, {max_rounds}, {points_per_round}')
        if rounds_per_mask is not None and (rounds_per_mask < 1 or not train_every_round):
            raise ValueError(f'prompts.rounds_per_mask: a count >= 1 of the rounds kept with train_every_round=True '
                             f'(None keeps all), got {rounds_per_mask} with train_every_round={train_every_round}')
        if keep_first_round and rounds_per_mask is None:
            raise ValueError('prompts.keep_first_round: needs prompts.rounds_per_mask (without it every round, '
                             'the first included, is kept)')
        self.prompt_types = check_prompt_types(prompt_types, 'prompts.prompt_types')
        self.max_instances = max_instances
        self.hard_point_sampling = hard_point_sampling
        self.max_rounds = max_rounds
        self.points_per_round = points_per_round
        self.train_every_round = train_every_round
        self.rounds_per_mask = rounds_per_mask
        self.keep_first_round = keep_first_round
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
                       multimask_output: bool) -> Tuple[SamPrompts, Tensor]:
        """Point prompts and, for each, the index of its mask in ``gt``.

        With hard point sampling and ``train_every_round``, every mask gives
        one prompt per round it took part in (its first point, then the
        points so far after each round), so the single-point case is trained
        on every mask at every step, as are the multi-point ones.
        """
        coords, labels, owners = [], [], []
        self.last_rounds = []
        for b in torch.unique(image_index).tolist():
            owner_b = torch.nonzero(image_index == b).flatten()
            gt_b = gt[owner_b]
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
                if self.train_every_round:
                    c, lab, owner_b = self._every_round(c, lab, owner_b)
            coords.append(c)
            labels.append(lab)
            owners.append(owner_b)
        num = max(c.shape[1] for c in coords)
        padded = [_pad_points(c, lab, num) for c, lab in zip(coords, labels)]
        owner = torch.cat(owners)
        return (SamPrompts(image_index[owner], torch.cat([p[0] for p in padded]).float(),
                           torch.cat([p[1] for p in padded]), num_masks=gt.shape[0]), owner)

    def _every_round(self, coords: Tensor, labels: Tensor, owner: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """One prompt per mask and round it took part in: the first point, then the points after each round.

        A mask whose missed region emptied stops taking part (its later
        points are padding), so no prompt is repeated. With
        ``rounds_per_mask``, a uniform draw of that many of each mask's
        prompts is kept (with ``keep_first_round``: its first round, and a
        uniform draw of the rest among its later rounds).
        """
        out_c, out_l, out_row = [], [], []
        rows = torch.arange(coords.shape[0], device=coords.device)
        for length in range(1, coords.shape[1] + 1, self.points_per_round):
            took_part = labels[:, length - 1] != PAD_LABEL
            c, lab = _pad_points(coords[took_part, :length], labels[took_part, :length], coords.shape[1])
            out_c.append(c)
            out_l.append(lab)
            out_row.append(rows[took_part])
        c, lab, row = torch.cat(out_c), torch.cat(out_l), torch.cat(out_row)
        if self.rounds_per_mask is not None:
            if self.keep_first_round:  # the first round is the first coords.shape[0] prompts, one per mask
                later = random_subset_per_group(row[rows.numel():], self.rounds_per_mask - 1) + rows.numel()
                keep = torch.cat([rows, later])
            else:
                keep = random_subset_per_group(row, self.rounds_per_mask)
            c, lab, row = c[keep], lab[keep], row[keep]
        return c, lab, owner[row]

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
                prompts, owner = self._point_prompts(sam, embeddings.detach(), gt, image_index, multimask_output)
                result[kind] = (prompts, gt[owner])
            else:
                boxes = boxes_from_masks(gt, jitter=self.box_jitter, max_jitter=self.box_max_jitter)
                result[kind] = (SamPrompts(image_index, boxes=boxes), gt)
        return result


def random_subset_per_group(group: Tensor, k: int) -> Tensor:
    """Sorted indices of a uniform draw of at most ``k`` elements of each group (``group``: an id per element)."""
    order = torch.randperm(group.numel(), device=group.device)
    order = order[torch.argsort(group[order], stable=True)]  # grouped, random order within each group
    _, counts = torch.unique_consecutive(group[order], return_counts=True)
    starts = torch.repeat_interleave(torch.cumsum(counts, 0) - counts, counts)
    rank = torch.arange(group.numel(), device=group.device) - starts
    return torch.sort(order[rank < k]).values


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

    ``prompt_types``: ``'point'`` (the centre-most pixel), ``'box'`` (the
    tight box) and ``'clicks<N>'``: ``N`` clicks of the interactive protocol
    (:func:`~mmkd.models.sam.click_simulation.simulate_clicks`; ``clicks1``
    equals ``point``), all click counts from one simulation.

    Each sample gets ``gt_masks`` ``(n, h, w)`` (its non-empty instance masks
    in the resized image, ``img_shape``) and ``pred_masks = {type: (n, h, w)}``
    boolean masks (``Sam.postprocess_masks``: upsampled, the padding cropped
    off; with ``multimask_output`` the mask of highest predicted IoU), what
    ``mmkd.PromptMIoU`` reads. Masks are compared in the resized
    image; for the 128 px embedded set that is the original resolution.
    """
    prompt_types = check_prompt_types(prompt_types, 'prompt_types', allow_clicks=True)
    size = (sam.image_encoder.img_size,) * 2
    clicks = {kind: click_count(kind) for kind in prompt_types if click_count(kind)}
    for b, sample in enumerate(data_samples):
        h, w = sample.metainfo.get('img_shape', size)[:2]
        gt = instance_masks(sample, size, embeddings.device)
        crop_gt = gt[:, :h, :w]
        crop_gt = crop_gt[crop_gt.flatten(1).any(1)]

        def predict(prompts: SamPrompts, emb=embeddings[b:b + 1], hw=(h, w)) -> Tensor:
            logits = sam.postprocess_masks(best_masks(decode_masks(sam, emb, prompts, multimask_output)), hw, hw)
            return logits[:, 0] > sam.mask_threshold

        preds = {kind: torch.zeros(0, h, w, dtype=torch.bool) for kind in prompt_types}
        if crop_gt.shape[0]:
            for kind in prompt_types:
                if kind not in clicks:
                    preds[kind] = predict(eval_prompts(crop_gt, kind)).cpu()
            if clicks:
                index = torch.zeros(crop_gt.shape[0], dtype=torch.long, device=crop_gt.device)
                by_count = simulate_clicks(lambda c, lab: predict(SamPrompts(index, c, lab)), crop_gt,
                                           clicks.values())
                preds.update({kind: by_count[n].cpu() for kind, n in clicks.items()})
        sample.gt_masks = crop_gt.cpu()
        sample.pred_masks = preds
    return data_samples
