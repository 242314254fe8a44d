"""Any timm image classifier as an mmengine model (teacher or student alike).

mmpretrain is not a dependency; timm provides CNNs (ResNet, MobileNet,
ConvNeXt), transformers (ViT/DeiT, Swin) and MLPs (Mixer, ResMLP) behind one
``create_model`` call. This wrapper adds only what mmengine needs: a data
preprocessor, the loss / predict / tensor modes, and
:class:`~mmkd.structures.ClsDataSample` outputs. The timm model is kept as
is under ``self.model``, so distillation recorders tap its stages by path
(``model.layer2``, ``model.blocks.5``, ``model.layers.1``) without any edit.
"""
from __future__ import annotations

import os.path as osp
from typing import List, Optional, Sequence, Union

import timm
import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import Tensor, nn

from mmkd.registry import MODELS
from mmkd.structures import ClsDataSample, stack_gt_labels

# ImageNet statistics on the 0-255 scale (timm's IMAGENET_DEFAULT_MEAN/STD x 255)
IMAGENET_MEAN = (123.675, 116.28, 103.53)
IMAGENET_STD = (58.395, 57.12, 57.375)


@MODELS.register_module()
class TimmClassifier(BaseModel):
    """Args:
        model_name: a timm model name (``timm.list_models()``), e.g. ``'resnet18'``,
            ``'deit_tiny_patch16_224'``, ``'swin_tiny_patch4_window7_224'``, or
            mmkd's configurable ``'mmkd_mixer'`` / ``'mmkd_resmlp'``.
        num_classes: size of the classifier head.
        pretrained_file: local weights in timm's layout (``.pth``,
            ``.safetensors``), read by :meth:`init_weights` through timm's own
            loader (weights-only, with its head/position-embedding adaptation).
            Nothing is ever downloaded: ``pretrained=True`` is refused.
        label_smoothing: of the cross-entropy training loss.
        data_preprocessor: defaults to mmengine's ``ImgDataPreprocessor`` with
            ImageNet mean/std and BGR->RGB (mmcv loads BGR).
        **timm_kwargs: passed to ``timm.create_model`` (``img_size``,
            ``patch_size``, ``depth``, ``embed_dim``, ``channels``, ``drop_path_rate``...).
    """

    def __init__(self, model_name: str, num_classes: int, pretrained_file: Optional[str] = None,
                 label_smoothing: float = 0.0, data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None, **timm_kwargs) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='ImgDataPreprocessor', mean=IMAGENET_MEAN, std=IMAGENET_STD,
                                     bgr_to_rgb=True)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if timm_kwargs.pop('pretrained', False):
            raise ValueError(f'TimmClassifier({model_name!r}): pretrained=True would download weights; '
                             'give a local file with pretrained_file=... instead')
        if not timm.is_model(model_name):
            close = timm.list_models(f'*{model_name.split("_")[0]}*')[:10]
            raise KeyError(f'TimmClassifier: unknown timm model {model_name!r}; similar names: {close}')
        self.model_name = model_name
        self.num_classes = num_classes
        self.label_smoothing = label_smoothing
        self.pretrained_file = pretrained_file
        self.timm_kwargs = timm_kwargs
        self.model = self._create(pretrained_file=None)

    def _create(self, pretrained_file: Optional[str]) -> nn.Module:
        kwargs = dict(self.timm_kwargs)
        if pretrained_file:
            kwargs['pretrained_cfg_overlay'] = dict(file=pretrained_file)
        try:
            return timm.create_model(self.model_name, pretrained=bool(pretrained_file),
                                     num_classes=self.num_classes, **kwargs)
        except TypeError as err:
            raise TypeError(f'TimmClassifier: timm model {self.model_name!r} rejects the arguments '
                            f'{sorted(self.timm_kwargs)} ({err}); timm entry points fix some sizes, e.g. '
                            "MLP-Mixer/ResMLP: use 'mmkd_mixer' / 'mmkd_resmlp' for custom sizes") from None

    def init_weights(self) -> None:
        """Load ``pretrained_file`` (when given) through timm's pretrained loader.

        timm initialises the model when it is built; the file is read here, as
        mmengine's ``init_cfg=Pretrained`` would be, so configs build without
        the file (tests, exports) and training starts from it. A timm model
        with the same arguments is built with ``pretrained=True`` on the file
        (timm adapts the head to ``num_classes`` and resizes position
        embeddings) and its weights are copied in. mmengine's default (calling
        timm's own ``init_weights`` again) is not used.
        """
        if not self.pretrained_file:
            return
        if not osp.isfile(self.pretrained_file):
            raise FileNotFoundError(f'TimmClassifier({self.model_name!r}): pretrained_file '
                                    f'{self.pretrained_file!r} not found')
        self.model.load_state_dict(self._create(self.pretrained_file).state_dict())

    def forward(self, inputs: Tensor, data_samples: Optional[List[ClsDataSample]] = None,
                mode: str = 'tensor') -> Union[Tensor, dict, List[ClsDataSample]]:
        logits = self.model(inputs)
        if mode == 'tensor':
            return logits
        if mode == 'loss':
            return self.loss(logits, data_samples)
        if mode == 'predict':
            return self.predict(logits, data_samples)
        raise ValueError(f"TimmClassifier: mode must be 'tensor', 'loss' or 'predict', got {mode!r}")

    def loss(self, logits: Tensor, data_samples: Sequence[ClsDataSample]) -> dict:
        labels = stack_gt_labels(data_samples, logits.device, 'TimmClassifier (loss mode)')
        return dict(loss_cls=F.cross_entropy(logits.float(), labels, label_smoothing=self.label_smoothing))

    @torch.no_grad()
    def predict(self, logits: Tensor, data_samples: Optional[List[ClsDataSample]] = None) -> List[ClsDataSample]:
        """Fill ``pred_score`` (softmax) and ``pred_label`` of each sample (new samples if none given)."""
        scores = logits.float().softmax(dim=1)
        samples = data_samples if data_samples is not None else [ClsDataSample() for _ in range(len(scores))]
        for sample, score in zip(samples, scores):
            sample.pred_score = score
            sample.pred_label = score.argmax()
        return samples
