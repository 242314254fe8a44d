"""An open_clip model trained contrastively on image-text pairs, as an mmengine model.

No pretrained CLIP can be downloaded here, so the project trains a small one
(``configs/clip``) with mmengine's Runner like every other training:
checkpoints, resume, AMP, DDP and logging come from mmengine.

* ``loss``: open_clip's ``ClipLoss`` (symmetric InfoNCE over the batch, the
  learnable temperature ``logit_scale``; under DDP the features of every rank
  are gathered, as open_clip's own training does). Before each use the
  temperature is clamped to at most ``max_logit_scale`` (open_clip clamps
  after each optimiser step; clamping before the next use gives every step
  the same value).
* ``predict``: zero-shot classification of the input crops among
  ``classes``: argmax of the cosine similarity with the prompt-ensembled text
  embedding of each class (:func:`~mmkd.models.clip.category_text_embeddings`);
  outputs ``dict(pred_label, gt_label)`` per sample for
  :class:`~mmkd.evaluation.ZeroShotAccuracy`.
* ``tensor``: L2-normalised image embeddings.

:meth:`open_clip_state_dict` and :meth:`class_text_embeddings` are what the
``mmkd.ExportCLIPHook`` writes at the end of training, in the key layout
``CLIPTeacher(ckpt=...)`` loads strictly.
"""
from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmengine.dist import get_rank, get_world_size
from mmengine.model import BaseModel
from open_clip.loss import ClipLoss
from torch import Tensor

from mmkd.registry import MODELS
from .build import build_clip_tokenizer, build_open_clip
from .prompts import DEFAULT_PROMPT_TEMPLATES, category_text_embeddings
from .zero_shot import zero_shot_predictions


@MODELS.register_module()
class ContrastiveCLIP(BaseModel):
    """Args:
        model_name: an open_clip model name or a key of ``SMALL_CLIP_CONFIGS``.
        model_cfg: an open_clip model config instead of a name.
        classes: category names of the zero-shot evaluation (``predict``);
            default: the validation dataset's ``metainfo['classes']``, set by
            the ``ExportCLIPHook`` before training.
        templates: prompt templates of the class text embeddings.
        max_logit_scale: upper bound of ``exp(logit_scale)`` (open_clip: 100).
    """

    def __init__(self, model_name: Optional[str] = None, model_cfg: Optional[Dict[str, Any]] = None,
                 classes: Optional[Sequence[str]] = None,
                 templates: Sequence[str] = DEFAULT_PROMPT_TEMPLATES, max_logit_scale: float = 100.0,
                 data_preprocessor: Optional[Union[dict, Any]] = None, init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if max_logit_scale <= 0:
            raise ValueError(f'ContrastiveCLIP: max_logit_scale must be > 0, got {max_logit_scale}')
        self.model_name = model_name
        self.clip = build_open_clip(model_name, model_cfg)
        self.tokenizer = build_clip_tokenizer(self.clip)
        self.classes = list(classes) if classes is not None else None
        self.templates = tuple(templates)
        self.max_log_scale = math.log(max_logit_scale)
        self._loss: Optional[ClipLoss] = None

    def clip_loss(self) -> ClipLoss:
        if self._loss is None:  # built at the first step: the process group exists by then
            self._loss = ClipLoss(rank=get_rank(), world_size=get_world_size())
        return self._loss

    def forward(self, inputs: Tensor, data_samples: Optional[Dict[str, Any]] = None,
                mode: str = 'tensor') -> Union[Dict[str, Tensor], List[dict], Tensor]:
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return F.normalize(self.clip.encode_image(inputs), dim=-1)
        raise ValueError(f"ContrastiveCLIP: mode must be 'loss', 'predict' or 'tensor', got {mode!r}")

    def loss(self, inputs: Tensor, data_samples: Dict[str, Any]) -> Dict[str, Tensor]:
        if not data_samples or 'caption' not in data_samples:
            raise KeyError('ContrastiveCLIP needs data_samples with a "caption" list (CaptionPairsDataset, '
                           "collate_fn=dict(type='default_collate'))")
        captions = list(data_samples['caption'])
        if len(captions) != len(inputs):
            raise ValueError(f'ContrastiveCLIP: {len(inputs)} images but {len(captions)} captions')
        with torch.no_grad():
            self.clip.logit_scale.clamp_(0, self.max_log_scale)
        image = F.normalize(self.clip.encode_image(inputs), dim=-1)
        text = F.normalize(self.clip.encode_text(self.tokenizer(captions).to(inputs.device)), dim=-1)
        return dict(loss_clip=self.clip_loss()(image, text, self.clip.logit_scale.exp()))

    def class_text_embeddings(self) -> Tensor:
        """``(C, D)`` prompt-ensembled text embeddings of ``classes``."""
        if not self.classes:
            raise ValueError('ContrastiveCLIP: no classes to classify among; set model.classes or evaluate on a '
                             "dataset with metainfo['classes']")
        return category_text_embeddings(self.clip, self.classes, self.templates)

    @torch.no_grad()
    def predict(self, inputs: Tensor, data_samples: Optional[Dict[str, Any]] = None) -> List[dict]:
        predictions = zero_shot_predictions(F.normalize(self.clip.encode_image(inputs), dim=-1),
                                            self.class_text_embeddings()).tolist()
        labels = data_samples.get('label') if data_samples else None
        labels = [-1] * len(predictions) if labels is None else torch.as_tensor(labels).reshape(-1).tolist()
        return [dict(pred_label=int(p), gt_label=int(g)) for p, g in zip(predictions, labels)]

    def open_clip_state_dict(self) -> Dict[str, Tensor]:
        """The bare open_clip weights (official key layout, temperature clamped), on the CPU."""
        with torch.no_grad():
            self.clip.logit_scale.clamp_(0, self.max_log_scale)
        return {k: v.detach().cpu() for k, v in self.clip.state_dict().items()}
