"""Open-vocabulary detection metric: COCO-style box AP50 on novel, base and all categories.

The standard measure of OV-COCO (OVR-CNN, ViLD, OADP): novel AP50 is the
headline, base AP50 shows what the detector keeps on its training classes.
The evaluation itself is pycocotools' ``COCOeval`` (IoU 0.5, area 'all',
``max_dets`` detections per image), run once over all categories; the AP of
a category set is the mean of its categories' APs, which is what ``COCOeval``
reports when restricted to that set.
"""
from __future__ import annotations

import contextlib
import io
import os
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from mmkd.registry import METRICS


@METRICS.register_module()
class OpenVocabularyAP50(BaseMetric):
    """AP50 (in ``[0, 1]``) of mmdet predictions on novel, base and all categories.

    Args:
        ann_file: the evaluation annotation (COCO format, base and novel boxes),
            e.g. the ``eval`` file of :func:`~mmkd.datasets.write_ov_split`.
        novel_classes: novel category names; ``base_classes`` defaults to the
            other classes. Or ``split='coco'`` / ``'shapes'`` for the named splits.
        max_dets: detections per image considered (COCO's 100).
        prefix: metric key prefix; keys are ``{prefix}/novel_AP50``, ``base_AP50``, ``all_AP50``.

    Labels map to category ids as in mmdet's ``CocoDataset``: label ``i`` is
    the ``i``-th category of the annotation file (in file order) whose name is
    in the dataset's ``classes``. A category set with no ground truth in the
    evaluated images reports ``-1`` (pycocotools' convention for "undefined").
    """
    default_prefix = 'ov'

    def __init__(self, ann_file: str, novel_classes: Optional[Sequence[str]] = None,
                 base_classes: Optional[Sequence[str]] = None, split: Optional[str] = None,
                 max_dets: int = 100, collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if split is not None:
            if novel_classes is not None or base_classes is not None:
                raise ValueError('OpenVocabularyAP50: give either split or novel_classes/base_classes, not both')
            from mmkd.datasets.ov_split import get_ov_split
            base_classes, novel_classes = get_ov_split(split)
        if not novel_classes:
            raise ValueError('OpenVocabularyAP50 needs novel_classes (or split=...)')
        if max_dets < 1:
            raise ValueError(f'OpenVocabularyAP50: max_dets must be >= 1, got {max_dets}')
        if not os.path.isfile(ann_file):
            raise FileNotFoundError(f'OpenVocabularyAP50: ann_file not found: {ann_file!r}')
        self.ann_file = ann_file
        self.novel_classes = tuple(novel_classes)
        self.base_classes = tuple(base_classes) if base_classes is not None else None
        self.max_dets = int(max_dets)
        self._coco = None

    @property
    def coco(self):
        if self._coco is None:
            from pycocotools.coco import COCO
            with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints progress
                self._coco = COCO(self.ann_file)
        return self._coco

    def _class_names(self) -> List[str]:
        meta = self.dataset_meta or {}
        if meta.get('classes'):
            return list(meta['classes'])
        return [c['name'] for c in self.coco.dataset['categories']]

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if 'pred_instances' not in sample or 'img_id' not in sample:
                raise KeyError('OpenVocabularyAP50 needs img_id and pred_instances in each output sample, got '
                               f'keys {sorted(sample)} (is the model an mmdet detector in predict mode?)')
            pred = sample['pred_instances']
            self.results.append(dict(
                img_id=int(sample['img_id']),
                bboxes=np.asarray(pred['bboxes'].detach().cpu() if hasattr(pred['bboxes'], 'detach')
                                  else pred['bboxes'], dtype=np.float64).reshape(-1, 4),
                scores=np.asarray(pred['scores'].detach().cpu() if hasattr(pred['scores'], 'detach')
                                  else pred['scores'], dtype=np.float64).reshape(-1),
                labels=np.asarray(pred['labels'].detach().cpu() if hasattr(pred['labels'], 'detach')
                                  else pred['labels'], dtype=np.int64).reshape(-1)))

    def _category_ids(self, names: Sequence[str]) -> List[int]:
        by_name = {c['name']: c['id'] for c in self.coco.dataset['categories']}
        unknown = [n for n in names if n not in by_name]
        if unknown:
            raise KeyError(f'OpenVocabularyAP50: categories {unknown} are not in {self.ann_file!r} '
                           f'(its categories: {sorted(by_name)})')
        return [by_name[n] for n in names]

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        from pycocotools.cocoeval import COCOeval
        coco = self.coco
        classes = self._class_names()
        label_to_cat = coco.getCatIds(catNms=classes)  # mmdet's CocoDataset order
        if len(label_to_cat) != len(classes):
            missing = sorted(set(classes) - {coco.cats[i]['name'] for i in label_to_cat})
            raise KeyError(f'OpenVocabularyAP50: classes {missing} are not categories of {self.ann_file!r}')
        novel = set(self._category_ids(self.novel_classes))
        base = set(self._category_ids(self.base_classes)) if self.base_classes is not None else \
            set(label_to_cat) - novel
        outside = sorted(coco.cats[i]['name'] for i in (novel | base) - set(label_to_cat))
        if outside:
            raise KeyError(f'OpenVocabularyAP50: split categories {outside} are not among the dataset classes')

        detections = []
        for res in results:
            bad = res['labels'][(res['labels'] < 0) | (res['labels'] >= len(label_to_cat))]
            if len(bad):
                raise ValueError(f'OpenVocabularyAP50: image {res["img_id"]} has labels {sorted(set(bad))} '
                                 f'outside [0, {len(label_to_cat)})')
            for box, score, label in zip(res['bboxes'], res['scores'], res['labels']):
                x1, y1, x2, y2 = (float(v) for v in box)
                detections.append(dict(image_id=res['img_id'], category_id=label_to_cat[int(label)],
                                       bbox=[x1, y1, x2 - x1, y2 - y1], score=float(score)))
        img_ids = sorted({r['img_id'] for r in results})
        unknown_imgs = [i for i in img_ids if i not in coco.imgs]
        if unknown_imgs:
            raise KeyError(f'OpenVocabularyAP50: image ids {unknown_imgs[:10]} are not in {self.ann_file!r}')

        per_category = self._per_category_ap50(coco, detections, img_ids, label_to_cat, COCOeval)

        def mean_of(cat_ids) -> float:
            values = [per_category[c] for c in cat_ids if per_category.get(c, -1) >= 0]
            return float(np.mean(values)) if values else -1.0

        return dict(novel_AP50=mean_of(novel), base_AP50=mean_of(base), all_AP50=mean_of(novel | base))

    def _per_category_ap50(self, coco, detections, img_ids, cat_ids, cocoeval_cls) -> Dict[int, float]:
        """AP50 of each category with ground truth in ``img_ids`` (others absent)."""
        if not detections:  # loadRes refuses an empty list; every category with boxes scores 0
            has_gt = {a['category_id'] for a in coco.loadAnns(coco.getAnnIds(imgIds=img_ids, iscrowd=False))}
            return {c: 0.0 for c in cat_ids if c in has_gt}
        with contextlib.redirect_stdout(io.StringIO()):
            coco_dt = coco.loadRes(detections)
            evaluator = cocoeval_cls(coco, coco_dt, 'bbox')
            evaluator.params.imgIds = img_ids
            evaluator.params.catIds = sorted(cat_ids)
            evaluator.params.maxDets = [1, 10, self.max_dets]
            evaluator.evaluate()
            evaluator.accumulate()
        iou50 = int(np.argmin(np.abs(evaluator.params.iouThrs - 0.5)))
        precision = evaluator.eval['precision'][iou50, :, :, 0, -1]  # (recall thresholds, categories)
        out = {}
        for k, cat_id in enumerate(evaluator.params.catIds):
            column = precision[:, k]
            if (column > -1).any():
                out[cat_id] = float(column[column > -1].mean())
        return out
