"""Turn a labeled + two unlabeled batches into the student's batch, with the CutMix sources kept.

Each training batch of :class:`~mmkd.datasets.SemiSupervisedDataset` holds a
labeled batch ``x_l`` and two unlabeled batches ``u0``, ``u1``. This
preprocessor normalises and pads the three like mmseg's
``SegDataPreProcessor``, draws one CutMix box mask ``m`` per image
(:func:`~mmkd.datasets.cutmix.cutmix_box_masks`) and returns

* ``inputs = [x_l; u_mix]`` with ``u_mix = u0 * (1 - m) + u1 * m``, the batch
  the student trains on (its supervised loss sees the labels of ``x_l``; the
  ``u_mix`` samples carry an all-ignore label map, so the task loss skips them);
* ``data_samples``: the labeled samples, then one sample per mixed image that
  carries ``cutmix_sources`` (``u0``, ``u1`` stacked, normalised) and
  ``cutmix_mask`` (``m``).

Why the mask is drawn here and not in the algorithm: the mix is data
augmentation that every consumer must agree on (the student's input, the
teachers' views through :class:`~mmkd.models.algorithms.CutMixSourcesInput`,
the mixing of teacher outputs through :class:`~mmkd.models.connectors.CutMixConnector`);
putting it in the batch keeps the distillation algorithm generic
(``MultiTeacherDistill`` unchanged) and makes the mask visible to every piece
through the data samples. It is drawn here rather than in the data loader's
collate (as the paper's code does) because only after padding do all images
of the batch share one size; normalising before mixing is the same as mixing
before, as normalisation is per channel and affine.

Batches without ``unlabeled`` (validation, testing, supervised-only runs)
are processed exactly as by ``SegDataPreProcessor``.
"""
from __future__ import annotations

from typing import Any, Dict, Sequence

import torch
from mmengine.structures import PixelData
from mmseg.models.data_preprocessor import SegDataPreProcessor
from mmseg.structures import SegDataSample

from mmkd.datasets.cutmix import cutmix_box_masks
from mmkd.datasets.semi_supervised_dataset import UNLABELED_KEY
from mmkd.registry import MODELS

#: data-sample fields of a mixed unlabeled image
SOURCES_FIELD = 'cutmix_sources'
MASK_FIELD = 'cutmix_mask'


@MODELS.register_module()
class SemiSupervisedSegDataPreProcessor(SegDataPreProcessor):
    """Args:
        num_boxes: CutMix boxes per image (3 in CPS / MGD-SSSS).
        area_range: range of the pasted area proportion (0.25-0.5 there).
        ignore_index: label of the mixed images' (unused) label maps.
        **kwargs: ``SegDataPreProcessor`` arguments (mean, std, size...).
    """

    def __init__(self, num_boxes: int = 3, area_range: Sequence[float] = (0.25, 0.5),
                 ignore_index: int = 255, **kwargs) -> None:
        super().__init__(**kwargs)
        self.num_boxes = num_boxes
        self.area_range = tuple(area_range)
        self.ignore_index = ignore_index

    def forward(self, data: Dict[str, Any], training: bool = False) -> Dict[str, Any]:
        unlabeled = data.get(UNLABELED_KEY) if training else None
        if unlabeled is None:
            return super().forward({k: v for k, v in data.items() if k != UNLABELED_KEY}, training)
        if len(unlabeled) != 2:
            raise ValueError(f'{type(self).__name__}: the batch must hold two unlabeled batches under '
                             f'{UNLABELED_KEY!r} (u0, u1), got {len(unlabeled)}')
        labeled = super().forward(dict(inputs=data['inputs'], data_samples=data['data_samples']), training)
        u0, u1 = (SegDataPreProcessor.forward(self, dict(part), training) for part in unlabeled)
        shapes = {name: tuple(batch['inputs'].shape) for name, batch in
                  (('labeled', labeled), ('u0', u0), ('u1', u1))}
        if shapes['u0'] != shapes['u1'] or shapes['labeled'][1:] != shapes['u0'][1:]:
            raise ValueError(f'{type(self).__name__}: labeled and unlabeled batches must share one padded '
                             f'size (set size=(H, W)); got {shapes}')
        num, _, height, width = u0['inputs'].shape
        masks, _ = cutmix_box_masks(num, height, width, self.num_boxes, self.area_range)
        masks = masks.to(u0['inputs'])
        mixed = u0['inputs'] * (1 - masks) + u1['inputs'] * masks
        mixed_samples = []
        for i, (s0, s1) in enumerate(zip(u0['data_samples'], u1['data_samples'])):
            sample = SegDataSample(metainfo=dict(s0.metainfo, cutmix_paths=(s0.metainfo.get('img_path'),
                                                                            s1.metainfo.get('img_path'))))
            sample.gt_sem_seg = PixelData(data=torch.full((1, height, width), self.ignore_index,
                                                          dtype=torch.long, device=mixed.device))
            sample.set_data({SOURCES_FIELD: torch.stack([u0['inputs'][i], u1['inputs'][i]]),
                             MASK_FIELD: masks[i]})
            mixed_samples.append(sample)
        return dict(inputs=torch.cat([labeled['inputs'], mixed]),
                    data_samples=list(labeled['data_samples']) + mixed_samples)
