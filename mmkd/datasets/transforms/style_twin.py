"""The same frame in another visual style, stacked onto the image as extra channels.

A multi-style data set whose styles share their layouts and file names
(``<root>/<style>/leftImg8bit/<split>/<city>/<name>``, e.g. the embedded
street domain-generalisation benchmark) offers, for free, the appearance
invariance a foundation model learns from web-scale data: the same scene
under different textures, light and weather. A self-supervised objective
can use the two renderings as two views of one image (images only; no label
is read). mmcv's pipeline carries one image, so the twin is concatenated on
the channel axis (``H x W x 6``, BGR then BGR) and the model splits it.
"""
from __future__ import annotations

import os.path as osp
import random
from typing import Sequence

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform

from mmkd.registry import TRANSFORMS


@TRANSFORMS.register_module()
class LoadStyleTwin(BaseTransform):
    """Args:
        styles: the style folder names; the image's own style is found in its
            path, the twin's is drawn uniformly among the others.
        prob: chance of a twin in another style; otherwise the image itself is stacked.
    """

    def __init__(self, styles: Sequence[str], prob: float = 1.0) -> None:
        if len(styles) < 2:
            raise ValueError(f'LoadStyleTwin: needs >= 2 styles, got {list(styles)}')
        if not 0 <= prob <= 1:
            raise ValueError(f'LoadStyleTwin: prob must be in [0, 1], got {prob}')
        self.styles, self.prob = list(styles), prob

    def twin_path(self, path: str, style: str) -> str:
        parts = osp.normpath(path).split(osp.sep)
        found = [i for i, p in enumerate(parts) if p in self.styles]
        if not found:
            raise ValueError(f'LoadStyleTwin: none of the styles {self.styles} is a folder of {path!r}')
        parts[found[-1]] = style
        return osp.sep.join(parts)

    def transform(self, results: dict) -> dict:
        img = results['img']
        twin = img
        if random.random() < self.prob:
            own = [p for p in osp.normpath(results['img_path']).split(osp.sep) if p in self.styles]
            others = [s for s in self.styles if not own or s != own[-1]]
            path = self.twin_path(results['img_path'], random.choice(others))
            if not osp.isfile(path):
                raise FileNotFoundError(f'LoadStyleTwin: twin of {results["img_path"]!r} not found: {path!r}')
            twin = mmcv.imread(path)
            if twin.shape != img.shape:
                raise ValueError(f'LoadStyleTwin: twin {path!r} has shape {twin.shape}, the image {img.shape}')
        results['img'] = np.concatenate([img, twin], axis=2)
        return results
