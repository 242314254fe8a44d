"""TinySAM's full-stage distillation terms, on the prompts the student drew, delivered to the teacher.

Shu et al., "TinySAM: Pushing the Envelope for Efficient Segment Anything
Model", AAAI 2025. Student and teacher are both SAM task models
(:class:`~mmkd.models.sam.SamPromptTrainer`) under the general
:class:`~mmkd.models.algorithms.SingleTeacherDistill`; the student's own
``loss`` gives the ground-truth terms (focal, dice, IoU). This distiller owns
the three distillation terms, each a loss of its own, so
``DistillLossWeightScheduleHook`` and ``set_weight_factor`` reach each by name:

* ``loss_embedding = alpha |E_S - E_T|`` (image embeddings);
* ``loss_token = beta |T_S - T_T|`` (the mask decoder's two-way transformer
  output for its queries);
* ``loss_output = gamma mean_i H_i |D_S^i - D_T^i|`` (mask logits), with hard
  mask weighting ``H_i = sigmoid(IoU(M_T^i, GT) / (IoU(M_S^i, GT) + eps) - 1)``
  (no gradient) or ``H_i = 1``.

One step, in the algorithm's order:

1. the teacher's forward (``tensor`` mode) runs its image encoder only,
   recorded as ``embedding``: all the teacher-feature cache stores, so a
   cached teacher skips it;
2. the student's ``loss`` forward encodes (recorded), draws the prompts
   (``draw_prompts``, recorded: TinySAM's online hard prompt sampling is
   driven by the student, without gradient) and decodes each prompt type
   (``decode_prompts``, recorded);
3. :meth:`compute_losses` delivers the recorded prompts to the teacher: its
   ``decode_prompts`` runs on exactly those prompts, from its live or cached
   embedding, without gradient. Recorded once, replayed for the other model
   (mmrazor's delivery idea), so both decoders see the same prompts.

Why the replay is here and not a teacher input transform: teachers run
before the student, and the prompts exist only once the student has drawn
them. Why a distiller of its own rather than ``ConfigurableDistiller``
wiring: the token sequences of point and box prompts differ in length, so
the decoder terms are taken per prompt type and averaged over all prompts,
the output term needs the ground-truth masks of the prompts, and the
teacher's decoding depends on the prompts of the step.

Config::

    distiller=dict(type='mmkd.TinySAMDistiller', losses=dict(
        loss_embedding=dict(type='mmkd.L1DistillLoss', loss_weight=alpha),
        loss_token=dict(type='mmkd.L1DistillLoss', loss_weight=beta),
        loss_output=dict(type='mmkd.TinySAMOutputLoss', loss_weight=gamma, hard_mask_weighting=True)))

Without losses (the masks-alone baseline) it records nothing, so the
algorithm does not run the teacher at all.
"""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence

import torch
from torch import Tensor, nn

from mmkd.models.losses.tinysam import combine_prompt_losses
from mmkd.registry import MODELS
from .base_distiller import BaseDistiller

#: what the terms compare, and the recorders they read (model -> recorder -> config)
TERMS = ('loss_embedding', 'loss_token', 'loss_output')
DECODER_TERMS = ('loss_token', 'loss_output')
RECORDERS = dict(
    student=dict(embedding=dict(type='ModuleOutputs', source='sam.image_encoder'),
                 prompts=dict(type='MethodOutputs', source='draw_prompts'),
                 decoded=dict(type='MethodOutputs', source='decode_prompts')),
    # the teacher's embedding is all the teacher-feature cache stores
    teacher=dict(embedding=dict(type='ModuleOutputs', source='sam.image_encoder')))
#: what a SAM task model offers that the terms use
TASK_MODEL_API = ('sam', 'draw_prompts', 'decode_prompts', 'multimask_output')


def check_sam_pair(student: nn.Module, teacher: nn.Module) -> None:
    """Both are SAM task models with the same input size, embedding shape, decoder width and
    mask outputs: every TinySAM term compares them directly."""
    for role, model in (('student', student), ('teacher', teacher)):
        missing = [name for name in TASK_MODEL_API if not hasattr(model, name)]
        if missing:
            raise TypeError(f'TinySAMDistiller: the {role} must be a SAM task model '
                            f"(dict(type='mmkd.SamPromptTrainer', sam=...)); {type(model).__name__} has no "
                            f'{missing}')
    s, t = student.sam.prompt_encoder, teacher.sam.prompt_encoder
    pairs = dict(input_image_size=(s.input_image_size, t.input_image_size),
                 image_embedding_size=(s.image_embedding_size, t.image_embedding_size),
                 embed_dim=(s.embed_dim, t.embed_dim),
                 num_mask_tokens=(student.sam.mask_decoder.num_mask_tokens, teacher.sam.mask_decoder.num_mask_tokens),
                 multimask_output=(student.multimask_output, teacher.multimask_output))
    bad = {k: v for k, v in pairs.items() if v[0] != v[1]}
    if bad:
        raise ValueError('TinySAMDistiller: student and teacher SAM models differ in ' + ', '.join(
            f'{k} (student {v[0]}, teacher {v[1]})' for k, v in bad.items()))


@MODELS.register_module()
class TinySAMDistiller(BaseDistiller):
    """Args:
        losses: some of ``loss_embedding``, ``loss_token`` (``mmkd.L1DistillLoss``,
            ``loss_weight`` alpha / beta) and ``loss_output`` (``mmkd.TinySAMOutputLoss``,
            ``loss_weight`` gamma, ``hard_mask_weighting``); none: the masks-alone baseline.
        init_cfg: mmengine's init config.
    """

    def __init__(self, losses: Optional[Mapping[str, dict]] = None, init_cfg: Optional[dict] = None) -> None:
        losses = dict(losses or {})
        unknown = sorted(set(losses) - set(TERMS))
        if unknown:
            raise KeyError(f'TinySAMDistiller: unknown losses {unknown}; its terms are {list(TERMS)}')
        super().__init__(recorders=RECORDERS if losses else None, losses=losses, init_cfg=init_cfg)
        # the teacher that decodes the delivered prompts; a plain dict, so not a submodule
        # (its weights stay the algorithm's `teachers.teacher.*`)
        self.replay_to: Dict[str, nn.Module] = {}

    def prepare(self, models: Dict[str, nn.Module]) -> None:
        missing = sorted({'student', 'teacher'} - set(models))
        if missing:
            raise KeyError(f'TinySAMDistiller needs models named student and teacher (SingleTeacherDistill); '
                           f'missing {missing}, the algorithm has {sorted(models)}')
        check_sam_pair(models['student'], models['teacher'])
        super().prepare(models)
        self.replay_to = dict(teacher=models['teacher'])

    def compute_losses(self, data_samples: Optional[List[Any]] = None) -> Dict[str, Tensor]:
        raw: Dict[str, Tensor] = {}
        if self.losses:
            student, teacher = self.recorder_managers['student'], self.recorder_managers['teacher']
            embed_T = teacher.get('embedding')
            if self.active('loss_embedding'):
                raw['loss_embedding'] = self.losses['loss_embedding'](student.get('embedding'), embed_T)
            terms = [name for name in DECODER_TERMS if self.active(name)]
            drawn = student.get('prompts')
            if terms and drawn:  # no prompts (no masks in the batch): only the embedding term is defined
                raw.update(self.decoder_losses(drawn, student.get('decoded'), embed_T, terms))
        self.reset_recorders()  # free recorded features as soon as they are used
        return self.weighted(raw)

    def decoder_losses(self, drawn: Mapping[str, Any], decoded_S: Any, embed_T: Tensor,
                       terms: Sequence[str]) -> Dict[str, Tensor]:
        """The decoder terms, averaged over every prompt of every type.

        ``drawn``: the student's ``draw_prompts`` output ``{type: (prompts, gt_masks)}``;
        ``decoded_S``: its ``decode_prompts`` outputs, one per type in the same order.
        """
        decoded_S = decoded_S if isinstance(decoded_S, tuple) else (decoded_S,)
        if len(decoded_S) != len(drawn):
            raise RuntimeError(f'TinySAMDistiller: the student decoded {len(decoded_S)} prompt set(s) for '
                               f'{len(drawn)} prompt type(s) {list(drawn)}; decode_prompts must run once per type')
        teacher = self.replay_to['teacher']
        per_type, counts = {}, {}
        for (kind, (prompts, gt)), out_S in zip(drawn.items(), decoded_S):
            with torch.no_grad():  # the delivery: the teacher decodes exactly the student's prompts
                out_T = teacher.decode_prompts(embed_T, prompts)
            per_type[kind] = {}
            if 'loss_token' in terms:
                per_type[kind]['loss_token'] = self.losses['loss_token'](out_S.tokens, out_T.tokens)
            if 'loss_output' in terms:
                per_type[kind]['loss_output'] = self.losses['loss_output'](out_S.masks, out_T.masks, gt)
            counts[kind] = prompts.mask_count()
        return combine_prompt_losses(per_type, counts)
