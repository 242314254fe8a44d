"""SAM as an mmengine task model: prompted training on instance masks, prompt mIoU in ``predict``.

No SAM weights can be downloaded here, so the project trains its own small
SAM-architecture teacher, and a TinySAM student is this same task model with
a small image encoder. Each ``loss`` step encodes the images, draws up to
``max_instances`` ground-truth masks per image as a point and a box prompt
(:meth:`SamPromptTrainer.draw_prompts`), decodes a mask per prompt
(:meth:`SamPromptTrainer.decode_prompts`) and applies SAM's losses against
the ground truth (focal + dice against the mask, l1 of the predicted IoU:
the ground-truth terms of ``TinySAMLoss``).

The two steps are methods so that distillation can use them without
repeating them: a distiller records the prompts the student drew and replays
them through the teacher's ``decode_prompts`` (see
:class:`~mmkd.models.distillers.TinySAMDistiller`).

``predict`` mode prompts every instance with its centre-most point and its
box and writes ``gt_masks`` / ``pred_masks`` on the data samples for
``mmkd.PromptMIoU``, so mmengine's own ``ValLoop`` evaluates it; ``tensor``
mode returns the image embeddings.

The model stays a stock ``segment_anything`` ``Sam`` under ``self.sam``; its
weights are the checkpoint's ``sam.*`` keys, which
``load_sam_checkpoint(model, path, prefix='sam.')`` loads strictly.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple, Union

from mmengine.model import BaseModel
from segment_anything.modeling import Sam
from torch import Tensor, nn

from mmkd.models.losses.tinysam import combine_prompt_losses
from mmkd.registry import MODELS
from ..builder import build_model
from .checkpoint import load_sam_checkpoint
from .decoding import SamDecoderOutput, SamPrompts, decode_masks
from .inputs import check_sam_inputs, sam_data_preprocessor
from .instance_prompts import SamPromptSampler, check_prompt_types, predict_instance_masks


def build_sam_model(spec: Union[dict, nn.Module], role: str) -> Sam:
    """A ``Sam`` from a model spec (``dict(type='mmkd.build_sam', ...)`` or a config path), checked."""
    model = spec if isinstance(spec, nn.Module) else build_model(spec, role)
    if not isinstance(model, Sam):
        raise TypeError(f'the {role} must be a segment_anything Sam (e.g. type="mmkd.build_sam"), '
                        f'got {type(model).__name__}')
    return model


def zero_loss(model: nn.Module) -> Tensor:
    """A zero that depends on every trainable parameter, for a batch without masks
    (keeps DDP's gradient all-reduce in step on every rank)."""
    return sum(p.sum() * 0 for p in model.parameters() if p.requires_grad)


@MODELS.register_module()
class SamPromptTrainer(BaseModel):
    """Args:
        sam: model spec of the ``Sam`` to train (``dict(type='mmkd.build_sam', ...)``
            or ``dict(cfg_path=...)``; ``ckpt`` initialises it).
        loss: a ``TinySAMLoss`` config (only its ground-truth terms are used).
        prompts: :class:`SamPromptSampler` arguments.
        eval_prompt_types: prompt types evaluated in ``predict`` mode: ``'point'``, ``'box'``
            and ``'clicks<N>'`` (N interactive clicks, e.g. ``'clicks3'``).
        multimask_output: decode SAM's three masks per prompt (the loss keeps
            the best one) instead of the single-mask output.
        data_preprocessor: defaults to SAM's normalisation and padding
            (:func:`sam_data_preprocessor`).
    """

    def __init__(self, sam: Union[dict, nn.Module], loss: Optional[dict] = None, prompts: Optional[dict] = None,
                 eval_prompt_types=('point', 'clicks3', 'clicks5', 'box'), multimask_output: bool = False,
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None, init_cfg: Optional[dict] = None) -> None:
        sam_model = build_sam_model(sam, 'sam')
        if data_preprocessor is None:
            data_preprocessor = sam_data_preprocessor(sam_model.image_encoder.img_size)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.sam = sam_model
        self.criterion = MODELS.build(dict(type='mmkd.TinySAMLoss') if loss is None else loss)
        self.prompt_sampler = SamPromptSampler(**(prompts or {}))
        self.eval_prompt_types = check_prompt_types(eval_prompt_types, 'eval_prompt_types', allow_clicks=True)
        self.multimask_output = multimask_output
        if isinstance(sam, dict) and sam.get('ckpt'):
            load_sam_checkpoint(self.sam, sam['ckpt'], sam.get('ckpt_weights_only', True),
                                prefix=sam.get('ckpt_prefix'))

    def init_weights(self) -> None:
        """segment_anything initialises its modules when built; nothing to redo (and a
        loaded checkpoint must not be overwritten)."""

    def forward(self, inputs: Tensor, data_samples: Optional[List[Any]] = None, mode: str = 'tensor') -> Any:
        check_sam_inputs(self.sam, inputs, type(self).__name__)
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        embeddings = self.sam.image_encoder(inputs)
        if mode == 'predict':
            return predict_instance_masks(self.sam, embeddings, data_samples, self.eval_prompt_types,
                                          self.multimask_output)
        if mode == 'tensor':
            return embeddings
        raise ValueError(f"{type(self).__name__}: unknown mode {mode!r} (use 'loss', 'predict' or 'tensor')")

    def draw_prompts(self, embeddings: Tensor, data_samples: List[Any]) -> Dict[str, Tuple[SamPrompts, Tensor]]:
        """This step's training prompts, ``{prompt type: (prompts, gt_masks (N, H, W))}``
        (empty without masks); hard point sampling is driven by this model, without gradient."""
        return self.prompt_sampler.sample(self.sam, embeddings, data_samples, self.multimask_output)

    def decode_prompts(self, embeddings: Tensor, prompts: SamPrompts) -> SamDecoderOutput:
        """Masks, IoU predictions and decoder tokens of this model's decoder for ``prompts``."""
        return decode_masks(self.sam, embeddings, prompts, self.multimask_output)

    def loss(self, inputs: Tensor, data_samples: List[Any]) -> Dict[str, Tensor]:
        embeddings = self.sam.image_encoder(inputs)
        prompts = self.draw_prompts(embeddings, data_samples)
        if not prompts:
            return dict(loss_mask=zero_loss(self))
        per_type, counts = {}, {}
        for kind, (kind_prompts, gt) in prompts.items():
            out = self.decode_prompts(embeddings, kind_prompts)
            per_type[kind] = self.criterion(out.masks, out.iou_predictions, gt)
            counts[kind] = kind_prompts.mask_count()
        return combine_prompt_losses(per_type, counts)
