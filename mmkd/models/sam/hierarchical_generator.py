"""TinySAM's hierarchical segment-everything on top of segment_anything's generator.

SAM's everything mode prompts a dense grid (32x32 points) and decodes a mask
for each; with a small image encoder the decoder dominates the time. TinySAM
(Shu et al., AAAI 2025, "hierarchical segment everything") first prompts a
sparse grid (8x8), marks the pixels its kept masks cover with high confidence
(logit above ``high_score_thresh``, 8.5 in the paper) and then prompts only
the dense-grid points outside that region: a point inside a confidently
segmented object would mostly reproduce a mask already found.

Everything else (prediction, IoU and stability filters, box NMS, crops, RLE
output) is ``SamAutomaticMaskGenerator``'s own: this subclass changes only
which points a crop is prompted with. The confident region is read from the
sparse stage's decoder outputs by a forward hook, so no mask is decoded twice.
"""
from __future__ import annotations

from typing import Any, Dict, List, Tuple

import numpy as np
import torch
from segment_anything import SamAutomaticMaskGenerator
from segment_anything.modeling import Sam
from segment_anything.utils.amg import (MaskData, batch_iterator, build_all_layer_point_grids,
                                        calculate_stability_score, uncrop_boxes_xyxy, uncrop_points)
from torchvision.ops.boxes import batched_nms


class HierarchicalMaskGenerator(SamAutomaticMaskGenerator):
    """Args:
        model: a ``segment_anything`` ``Sam``.
        sparse_points_per_side: the first-stage grid (TinySAM: 8).
        points_per_side: the dense grid of the second stage (SAM/TinySAM: 32).
        high_score_thresh: mask logit above which a pixel of a kept sparse-stage
            mask counts as confidently segmented (TinySAM: 8.5).
        **kwargs: ``SamAutomaticMaskGenerator``'s other arguments (thresholds,
            NMS, crops, output mode); ``point_grids`` is not supported, the
            two grids come from the two sizes above.

    After :meth:`generate`, ``last_points`` holds per crop the sparse points,
    the dense points actually prompted and the dense points skipped.
    """

    def __init__(self, model: Sam, sparse_points_per_side: int = 8, points_per_side: int = 32,
                 high_score_thresh: float = 8.5, **kwargs) -> None:
        if kwargs.get('point_grids') is not None:
            raise ValueError('HierarchicalMaskGenerator builds its grids from sparse_points_per_side and '
                             'points_per_side; point_grids is not supported')
        if sparse_points_per_side < 1 or points_per_side < 1:
            raise ValueError(f'HierarchicalMaskGenerator: grid sizes must be >= 1, got sparse '
                             f'{sparse_points_per_side} and dense {points_per_side}')
        super().__init__(model, points_per_side=points_per_side, **kwargs)
        self.sparse_point_grids = build_all_layer_point_grids(sparse_points_per_side, self.crop_n_layers,
                                                              self.crop_n_points_downscale_factor)
        self.high_score_thresh = high_score_thresh
        self.last_points: List[Dict[str, np.ndarray]] = []

    @torch.no_grad()
    def generate(self, image: np.ndarray) -> List[Dict[str, Any]]:
        self.last_points = []
        return super().generate(image)

    def _confident_region_of(self, outputs: List[Tuple[torch.Tensor, torch.Tensor]]) -> torch.Tensor:
        """Union of ``logit > high_score_thresh`` over the sparse masks that pass the generator's filters.

        ``outputs`` are the mask decoder's ``(low-res logits, IoU predictions)``;
        the logits are upscaled to the crop with ``Sam.postprocess_masks``, as
        ``SamPredictor.predict_torch`` does, and filtered like ``_process_batch``.
        """
        h, w = self.predictor.original_size
        region = torch.zeros(h, w, dtype=torch.bool, device=self.predictor.device)
        for low_res, iou_preds in outputs:
            masks = self.predictor.model.postprocess_masks(low_res, self.predictor.input_size,
                                                           self.predictor.original_size).flatten(0, 1)
            keep = iou_preds.flatten() > self.pred_iou_thresh if self.pred_iou_thresh > 0 else \
                torch.ones(masks.shape[0], dtype=torch.bool, device=masks.device)
            if self.stability_score_thresh > 0:
                stability = calculate_stability_score(masks, self.predictor.model.mask_threshold,
                                                      self.stability_score_offset)
                keep &= stability >= self.stability_score_thresh
            if keep.any():
                region |= (masks[keep] > self.high_score_thresh).any(0)
        return region

    def _process_crop(self, image: np.ndarray, crop_box: List[int], crop_layer_idx: int,
                      orig_size: Tuple[int, ...]) -> MaskData:
        x0, y0, x1, y1 = crop_box
        cropped_im = image[y0:y1, x0:x1, :]
        cropped_im_size = cropped_im.shape[:2]
        self.predictor.set_image(cropped_im)
        points_scale = np.array(cropped_im_size)[None, ::-1]

        # stage 1: the sparse grid, recording the decoder outputs for the confident region
        data = MaskData()
        decoder_outputs: List[Tuple[torch.Tensor, torch.Tensor]] = []
        handle = self.predictor.model.mask_decoder.register_forward_hook(
            lambda _m, _i, out: decoder_outputs.append(out))
        try:
            sparse = self.sparse_point_grids[crop_layer_idx] * points_scale
            for (points,) in batch_iterator(self.points_per_batch, sparse):
                data.cat(self._process_batch(points, cropped_im_size, crop_box, orig_size))
        finally:
            handle.remove()
        confident = self._confident_region_of(decoder_outputs).cpu().numpy()
        del decoder_outputs

        # stage 2: dense points outside the confident region only
        dense = self.point_grids[crop_layer_idx] * points_scale
        cols = np.clip(dense[:, 0].astype(int), 0, cropped_im_size[1] - 1)
        rows = np.clip(dense[:, 1].astype(int), 0, cropped_im_size[0] - 1)
        outside = ~confident[rows, cols]
        for (points,) in batch_iterator(self.points_per_batch, dense[outside]):
            data.cat(self._process_batch(points, cropped_im_size, crop_box, orig_size))
        self.last_points.append(dict(sparse=sparse, dense=dense[outside], skipped=dense[~outside]))
        self.predictor.reset_image()

        # as SamAutomaticMaskGenerator._process_crop: duplicates within the crop, back to the image frame
        # (the sparse stage always runs, so every key exists even when no mask was kept)
        keep_by_nms = batched_nms(data['boxes'].float(), data['iou_preds'], torch.zeros_like(data['boxes'][:, 0]),
                                  iou_threshold=self.box_nms_thresh)
        data.filter(keep_by_nms)
        data['boxes'] = uncrop_boxes_xyxy(data['boxes'], crop_box)
        data['points'] = uncrop_points(data['points'], crop_box)
        data['crop_boxes'] = torch.tensor([crop_box for _ in range(len(data['rles']))])
        return data
