"""Load a trained SAM-architecture model (teacher or TinySAM student) for tools, benchmarks and demos,
and build its segment-everything generator.

Three kinds of config name a ``Sam``, and each training writes its weights
under its own prefix:

* a model config (``configs/_base_/models/tinysam_timm-vit-tiny128.py``:
  ``model = dict(type='mmkd.build_sam', ...)``);
* a ``SamPromptTrainer`` config (``configs/sam/``): weights under ``sam.``;
* a distillation config whose student and teacher are ``SamPromptTrainer``
  (``configs/tinysam/``): the ``student.sam.`` or ``teachers.teacher.sam.``
  keys of its full checkpoint (``role`` picks one), or the student-only
  ``student_*.pth`` (the student task model: ``sam.``). Configs of runs made
  before TinySAM used the task model (``mmkd.TinySAMDistill`` with bare
  ``Sam`` specs, weights under ``student.`` / ``teacher.``, student files
  keyed as the bare ``Sam``) still load.

So a user passes the config they trained with and whichever checkpoint they
have; the prefix is found from the keys (or given), and the weights are
loaded strictly by :func:`~mmkd.models.sam.check_sam_state_dict`, which names
the file and the keys at fault.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Mapping, Optional, Sequence, Tuple, Union

import torch
from mmengine.config import Config
from segment_anything import SamAutomaticMaskGenerator
from segment_anything.modeling import Sam

from mmkd.models.sam import HierarchicalMaskGenerator, check_sam_state_dict
from mmkd.utils.checkpoint import load_state_dict_file

SAM_ROLES = ('student', 'teacher')
#: the key prefix of each role in a SingleTeacherDistill checkpoint
IN_ALGORITHM = dict(student='student.', teacher='teachers.teacher.')
EVERYTHING_MODES = ('hierarchical', 'dense')


def sam_spec_of_config(cfg: Config, role: str = 'student', source: str = 'config') -> Tuple[dict, Tuple[str, ...]]:
    """The ``Sam`` model spec in ``cfg.model`` and the key prefixes its checkpoints may use.

    ``role`` matters only for a distillation config (which of its two
    models); the prefixes are tried in order by :func:`strip_sam_prefix`.
    """
    if role not in SAM_ROLES:
        raise ValueError(f'role must be one of {SAM_ROLES}, got {role!r}')
    model = cfg.get('model')
    if not isinstance(model, Mapping) or 'type' not in model:
        raise KeyError(f'{source} has no `model` dict with a `type`')
    name = _type_name(model)
    # where a distillation of two SAM task models keeps each of them
    in_algorithm = f'{IN_ALGORITHM[role]}sam.'
    if name == 'build_sam':
        return dict(model), ('', f'{role}.', 'sam.', in_algorithm)
    if name == 'SamPromptTrainer':
        return dict(model['sam']), ('', 'sam.')
    if name == 'TinySAMDistill':  # a run from before the SAM task model: bare Sam specs
        return dict(model[role]), ('', f'{role}.')
    role_spec = model.get(role)
    if isinstance(role_spec, Mapping) and _type_name(role_spec) == 'SamPromptTrainer':
        return dict(role_spec['sam']), ('', 'sam.', in_algorithm)
    raise TypeError(f'{source}: model type {model["type"]!r} names no SAM model; expected mmkd.build_sam, '
                    'mmkd.SamPromptTrainer or a distillation whose student and teacher are mmkd.SamPromptTrainer')


def _type_name(spec: Mapping) -> str:
    return str(spec.get('type', '')).rpartition('.')[-1]


def strip_sam_prefix(state: Mapping[str, torch.Tensor], model_keys: Sequence[str], prefixes: Sequence[str],
                     source: str = 'checkpoint') -> Tuple[str, 'OrderedDict[str, torch.Tensor]']:
    """``(prefix, state without it)`` for the first prefix under which ``state`` holds model keys.

    The strict key and shape check comes after (:func:`check_sam_state_dict`);
    this only decides which part of a full checkpoint is the model.
    """
    wanted = set(model_keys)
    for prefix in prefixes:
        sub = OrderedDict((k[len(prefix):], v) for k, v in state.items() if k.startswith(prefix))
        if wanted & set(sub):
            return prefix, sub
    raise KeyError(f'{source}: no SAM weights under any of the prefixes {list(prefixes)} (the file has keys '
                   f'{list(state)[:5]}...); pass the prefix its model was saved under')


def load_sam_model(config: Union[str, Config], checkpoint: Optional[str] = None, role: str = 'student',
                   prefix: Optional[str] = None, weights_only: bool = True) -> Sam:
    """The ``Sam`` a config describes, in eval mode, with the weights of ``checkpoint``.

    Args:
        config: a config file (or a loaded ``Config``) of one of the three kinds above.
        checkpoint: a state-dict file; ``None`` keeps the random initialisation
            (smoke runs only).
        role: ``'student'`` or ``'teacher'`` of a distillation config.
        prefix: the key prefix of the model in the file (``'student.'``,
            ``'sam.'``, ``''``); by default found from the keys.
        weights_only: ``torch.load``'s safe mode; ``False`` opts out for trusted files.
    """
    # imported here: mmkd.models pulls in mmdet, which a plain `import mmkd.apis` should not need
    from mmkd.models.sam.prompt_trainer import build_sam_model

    source = repr(config) if isinstance(config, str) else 'config'
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    spec, prefixes = sam_spec_of_config(cfg, role, source)
    sam = build_sam_model(spec, role)
    if checkpoint is not None:
        state = load_state_dict_file(checkpoint, weights_only=weights_only, what='SAM checkpoint')
        _, state = strip_sam_prefix(state, list(sam.state_dict()), prefixes if prefix is None else (prefix,),
                                    repr(checkpoint))
        check_sam_state_dict(sam, state, source=repr(checkpoint))
        sam.load_state_dict(state, strict=True)
    return sam.eval()


def decode_single_mask(generator: SamAutomaticMaskGenerator) -> SamAutomaticMaskGenerator:
    """Make ``generator`` decode SAM's single-mask output (token 0) for every point.

    ``SamAutomaticMaskGenerator`` always asks the predictor for the three
    multimask outputs. A model trained with ``multimask_output=False`` (the
    configs here) never trained those three tokens, so their masks are noise
    and the generator keeps nothing useful. This wraps the generator's own
    ``predictor.predict_torch`` (the instance attribute only, no library
    code changed) so the decoder returns the one mask it was trained for;
    the generator's filters, NMS and the hierarchical confident region then
    see one mask per point.
    """
    predict_torch = generator.predictor.predict_torch

    def predict_single(*args, **kwargs):
        kwargs['multimask_output'] = False
        return predict_torch(*args, **kwargs)

    generator.predictor.predict_torch = predict_single
    return generator


def everything_generator(sam: Sam, mode: str = 'hierarchical', points_per_side: int = 32,
                         sparse_points_per_side: int = 8, high_score_thresh: float = 8.5,
                         multimask_output: bool = True, **kwargs) -> SamAutomaticMaskGenerator:
    """Segment-everything over ``sam``: TinySAM's hierarchical generator or SAM's dense grid.

    Both get the same dense grid (``points_per_side``) and the same other
    ``SamAutomaticMaskGenerator`` arguments (``kwargs``: thresholds, NMS,
    ``points_per_batch``...), so they differ only in which points are
    prompted; ``sparse_points_per_side`` and ``high_score_thresh`` apply to
    the hierarchical one only. ``multimask_output=False`` decodes the
    single-mask output instead of SAM's three (:func:`decode_single_mask`):
    for models trained without multimask output, as this project's are;
    official SAM weights use the default.
    """
    if mode == 'hierarchical':
        generator = HierarchicalMaskGenerator(sam, sparse_points_per_side=sparse_points_per_side,
                                              points_per_side=points_per_side, high_score_thresh=high_score_thresh,
                                              **kwargs)
    elif mode == 'dense':
        generator = SamAutomaticMaskGenerator(sam, points_per_side=points_per_side, **kwargs)
    else:
        raise ValueError(f'segment-everything mode must be one of {EVERYTHING_MODES}, got {mode!r}')
    return generator if multimask_output else decode_single_mask(generator)
