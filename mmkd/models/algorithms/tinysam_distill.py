"""TinySAM: full-stage distillation of a SAM teacher into a small-encoder SAM student.

Shu et al., "TinySAM: Pushing the Envelope for Efficient Segment Anything
Model", AAAI 2025 (no training code released; ``specs/methods.md`` section 5).
Per iteration:

1. the student encodes the images; the teacher's image embeddings come from
   the frozen teacher's ``image_encoder`` (live, no grad) or, as in the paper,
   from the teacher-feature cache (``teacher_cache=dict(cache_dir=...)``);
2. up to ``max_instances`` ground-truth masks per image become a point and a
   box prompt; with ``hard_point_sampling`` the points come from TinySAM's
   online hard prompt sampling, driven by the student without gradient;
3. both mask decoders run on the same prompts (the teacher's from its
   embeddings, without gradient);
4. ``TinySAMLoss``: embedding, decoder-token and (hard-mask weighted) mask
   output l1 terms, plus focal + dice and IoU losses against the ground truth.

The ablation switches are config values: ``distill=False`` trains on the
masks alone (no teacher terms, the teacher is not run),
``prompts.hard_point_sampling`` and ``loss.hard_mask_weighting``.

Why it builds on :class:`SingleTeacherDistill`: teacher building, checkpoint
loading and freezing, eval-mode pinning, the teacher-feature cache (lookup by
sample id + augmentation, fingerprints, extraction with
``tools/extract_teacher_features.py``), ``predict_with`` teacher evaluation
in ``DistillValLoop`` and the student-only checkpoint (``student.*`` keys,
which segment_anything's ``Sam`` loads strictly) all apply unchanged. What
differs is the forward: SAM models are not mmdet models with ``loss`` /
``predict`` modes, so ``run_teachers`` runs only the teacher's image encoder
(recorded by the distiller's ``embedding`` recorder, the one thing the cache
stores) and ``loss`` does the prompting and decoding itself, since the
decoder targets depend on prompts drawn during the step.
"""
from __future__ import annotations

from contextlib import nullcontext
from typing import Any, Dict, List, Optional, Union

import torch
from segment_anything.modeling import Sam
from torch import nn

from mmkd.models.losses.tinysam import l1_distill_loss
from mmkd.models.sam import decode_masks
from mmkd.registry import MODELS
from .single_teacher_distill import SingleTeacherDistill
from .sam_prompt_trainer import build_sam_model, zero_loss
from .sam_prompting import (SamPromptSampler, check_prompt_types, check_sam_inputs, combine_prompt_losses,
                            predict_instance_masks, sam_data_preprocessor)

#: the teacher recorder holding the image embedding (what the teacher cache stores)
EMBEDDING_RECORDER = 'embedding'


def default_tinysam_distiller() -> dict:
    """A distiller that only records the teacher's image embedding."""
    return dict(type='ConfigurableDistiller',
                teacher_recorders={EMBEDDING_RECORDER: dict(type='ModuleOutputs', source='image_encoder')})


@MODELS.register_module()
class TinySAMDistill(SingleTeacherDistill):
    """Args:
        student, teacher: ``Sam`` model specs (``dict(type='mmkd.build_sam', ...)``);
            the teacher's usually carries ``ckpt`` (and ``ckpt_prefix='sam.'``
            for a checkpoint of :class:`SamPromptTrainer`).
        loss: ``TinySAMLoss`` config (alpha, beta, gamma, ``hard_mask_weighting``...).
        prompts: :class:`SamPromptSampler` arguments (``hard_point_sampling``...).
        distill: ``False`` drops every teacher term (the masks-alone baseline).
        eval_prompt_types: prompt types evaluated in ``predict`` mode.
        multimask_output: decode SAM's three masks per prompt.
        distiller: defaults to :func:`default_tinysam_distiller`; a custom one
            must keep the teacher recorder ``embedding`` on ``image_encoder``
            and define no losses (this class computes them).
        data_preprocessor: defaults to SAM's normalisation and padding.
        **kwargs: ``SingleTeacherDistill``'s (``teacher_cache``...).
    """

    def __init__(self, student: dict, teacher: dict, loss: Optional[dict] = None, prompts: Optional[dict] = None,
                 distill: bool = True, eval_prompt_types=('point', 'box'), multimask_output: bool = False,
                 distiller: Optional[dict] = None, data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 **kwargs) -> None:
        if kwargs.get('teacher_trainable'):
            raise ValueError('TinySAMDistill distils a frozen teacher; teacher_trainable=True is not supported')
        if kwargs.get('teacher_partial_forward'):
            raise ValueError('TinySAMDistill runs only the teacher image encoder already; '
                             'teacher_partial_forward is not needed')
        kwargs.setdefault('teacher_forward_mode', 'image_encoder')  # part of the cache fingerprint
        super().__init__(student=student, teacher=teacher, distiller=distiller or default_tinysam_distiller(),
                         data_preprocessor=data_preprocessor, **kwargs)
        for role, model in (('student', self.student), ('teacher', self.teacher)):
            build_sam_model(model, role)  # type check
        self._check_compatible(self.student, self.teacher)
        if data_preprocessor is None:  # a Sam has no preprocessor of its own to inherit
            self.data_preprocessor = MODELS.build(sam_data_preprocessor(self.student.image_encoder.img_size))
        recorders = self.distiller.recorder_cfgs.get('teacher', {})
        if EMBEDDING_RECORDER not in recorders:
            raise KeyError(f'TinySAMDistill: the distiller needs the teacher recorder {EMBEDDING_RECORDER!r} '
                           "(dict(type='ModuleOutputs', source='image_encoder')); it has "
                           f'{sorted(recorders)}')
        if len(self.distiller.losses):
            raise ValueError(f'TinySAMDistill computes its losses itself (`loss=`); remove the distiller losses '
                             f'{sorted(self.distiller.losses)}')
        self.criterion = MODELS.build(dict(type='mmkd.TinySAMLoss') if loss is None else loss)
        self.prompt_sampler = SamPromptSampler(**(prompts or {}))
        self.distill = distill
        self.eval_prompt_types = check_prompt_types(eval_prompt_types, 'eval_prompt_types')
        self.multimask_output = multimask_output

    @staticmethod
    def _check_compatible(student: Sam, teacher: Sam) -> None:
        """Same input size, embedding shape and decoder width: every TinySAM term compares them directly."""
        s, t = student.prompt_encoder, teacher.prompt_encoder
        pairs = dict(input_image_size=(s.input_image_size, t.input_image_size),
                     image_embedding_size=(s.image_embedding_size, t.image_embedding_size),
                     embed_dim=(s.embed_dim, t.embed_dim),
                     num_mask_tokens=(student.mask_decoder.num_mask_tokens, teacher.mask_decoder.num_mask_tokens))
        bad = {k: v for k, v in pairs.items() if v[0] != v[1]}
        if bad:
            raise ValueError('TinySAMDistill: student and teacher SAM models differ in ' + ', '.join(
                f'{k} (student {v[0]}, teacher {v[1]})' for k, v in bad.items()))

    # ---------------------------------------------------------------- teacher
    def run_teachers(self, inputs: torch.Tensor, data_samples: Optional[List[Any]] = None,
                     losses: Optional[Dict[str, torch.Tensor]] = None) -> None:
        """The teacher's image encoder only (eval, no grad): its output is all the cache needs,
        and the decoder runs later on prompts drawn in the step."""
        with torch.no_grad():
            self.teacher.image_encoder(inputs)

    def teacher_embeddings(self, inputs: torch.Tensor, data_samples: List[Any]) -> torch.Tensor:
        """The teacher's image embeddings of the batch, from the cache when it has them."""
        manager = self.distiller.recorder_managers['teacher']
        if self.cached_teacher is not None and self.cached_teacher.inject(
                data_samples, self.distiller.recorder_managers, inputs.device):
            return manager.get(EMBEDDING_RECORDER)
        with self.distiller.recording(['teacher']):
            self.run_teachers(inputs, data_samples)
            return manager.get(EMBEDDING_RECORDER)

    # ---------------------------------------------------------------- modes
    def forward(self, inputs: torch.Tensor, data_samples: Optional[List[Any]] = None, mode: str = 'tensor') -> Any:
        sam = self.student if self.predict_with == 'student' else self.teachers[self.predict_with]
        check_sam_inputs(sam, inputs, type(self).__name__)
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        with torch.no_grad() if sam is not self.student else nullcontext():
            embeddings = sam.image_encoder(inputs)
        if mode == 'predict':
            return predict_instance_masks(sam, embeddings, data_samples, self.eval_prompt_types,
                                          self.multimask_output)
        if mode == 'tensor':
            return embeddings
        raise ValueError(f"{type(self).__name__}: unknown mode {mode!r} (use 'loss', 'predict' or 'tensor')")

    def loss(self, inputs: torch.Tensor, data_samples: List[Any]) -> Dict[str, torch.Tensor]:
        embed_S = self.student.image_encoder(inputs)
        embed_T = self.teacher_embeddings(inputs, data_samples) if self.distill else None
        prompts = self.prompt_sampler.sample(self.student, embed_S, data_samples, self.multimask_output)
        if not prompts:  # no instance mask in the batch: only the embedding term is defined
            losses = dict(loss_mask=zero_loss(self.student))
            if embed_T is not None:
                losses['loss_embedding'] = self.criterion.alpha * l1_distill_loss(embed_S, embed_T)
            return losses
        per_type, counts = {}, {}
        for i, (kind, (kind_prompts, gt)) in enumerate(prompts.items()):
            out_S = decode_masks(self.student, embed_S, kind_prompts, self.multimask_output)
            teacher_terms = {}
            if embed_T is not None:
                with torch.no_grad():
                    out_T = decode_masks(self.teacher, embed_T, kind_prompts, self.multimask_output)
                teacher_terms = dict(tokens_S=out_S.tokens, tokens_T=out_T.tokens, masks_T=out_T.masks)
                if i == 0:  # the embedding term once per step, not once per prompt type
                    teacher_terms.update(embed_S=embed_S, embed_T=embed_T)
            per_type[kind] = self.criterion(out_S.masks, out_S.iou_predictions, gt, **teacher_terms)
            counts[kind] = len(kind_prompts)
        return combine_prompt_losses(per_type, counts)
