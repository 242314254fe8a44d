"""Fingerprints that tie a teacher cache to what produced it.

The cache index stores one hash per ingredient of the teacher's input and
output; opening the cache under a different one is refused, naming it:

* ``pipeline``: the training dataset's transform pipeline (config);
* ``data_preprocessor``: normalisation, padding, channel order (module state);
* ``teacher.<name>``: the teacher's model config, forward mode and weights
  (a hash of the loaded tensors, so a retrained or re-initialised teacher is
  caught whatever its checkpoint file is called), and the teacher's input
  transform when it has one (``inputs=dict(type=...)``: another
  normalisation or size changes every feature).

The dataset location (``data_root``) is deliberately not part of it.
"""
from __future__ import annotations

import hashlib
from typing import Any, Dict, Mapping

from torch import nn

from mmkd.utils.hashing import canonical_json, hash_tensors, json_sha256


def dataset_pipeline(dataset_cfg: Mapping[str, Any]) -> Any:
    """The ``pipeline`` of a dataset config, looking inside dataset wrappers."""
    if 'pipeline' in dataset_cfg:
        return dataset_cfg['pipeline']
    if 'dataset' in dataset_cfg:
        return dataset_pipeline(dataset_cfg['dataset'])
    if 'datasets' in dataset_cfg:
        return [dataset_pipeline(d) for d in dataset_cfg['datasets']]
    raise KeyError(f'dataset config of type {dataset_cfg.get("type")!r} has no pipeline '
                   '(nor a wrapped dataset with one)')


# private flags of mmengine/mmdet/mmseg preprocessors that change the input
_PRIVATE_SETTINGS = ('_channel_conversion', '_enable_normalize')


def pipeline_fingerprint(pipeline_cfg: Any) -> str:
    return json_sha256(pipeline_cfg)


def preprocessor_fingerprint(preprocessor: nn.Module) -> str:
    """Type, plain public attributes (pad size...), channel order and buffers (mean/std)."""
    attrs = {k: v for k, v in vars(preprocessor).items()
             if (k in _PRIVATE_SETTINGS or not k.startswith('_')) and k != 'training'
             and isinstance(v, (str, int, float, bool, tuple, list, type(None)))}
    digest = hashlib.sha256(f'{type(preprocessor).__name__};{canonical_json(attrs)};'.encode())
    hash_tensors(digest, preprocessor.state_dict())
    return digest.hexdigest()


def teacher_fingerprint(model_cfg: Any, teacher: nn.Module, forward_mode: str) -> str:
    digest = hashlib.sha256(f'{canonical_json(model_cfg)};{forward_mode};'.encode())
    hash_tensors(digest, teacher.state_dict())
    return digest.hexdigest()


def algorithm_fingerprints(algorithm: nn.Module, pipeline_cfg: Any) -> Dict[str, str]:
    """All fingerprints of a distillation algorithm trained on ``pipeline_cfg``.

    The algorithm hands over what the cache needs (the cache never imports
    the models package): ``teachers`` (name -> module), ``teacher_model_cfgs``
    (name -> the model config each teacher was built from),
    ``teacher_forward_mode`` and ``data_preprocessor``, and optionally
    ``teacher_inputs`` (each teacher's view of the batch) and
    ``teacher_precisions`` (each teacher's inference precision).
    """
    model_cfgs = getattr(algorithm, 'teacher_model_cfgs', None)
    if model_cfgs is None:
        raise AttributeError(f'teacher cache: {type(algorithm).__name__} has no teacher_model_cfgs (name -> the '
                             'model config each teacher was built from), which the cache fingerprints')
    prints = {'pipeline': pipeline_fingerprint(pipeline_cfg),
              'data_preprocessor': preprocessor_fingerprint(algorithm.data_preprocessor)}
    for name, teacher in algorithm.teachers.items():
        if name not in model_cfgs:
            raise KeyError(f'teacher cache: {type(algorithm).__name__}.teacher_model_cfgs has no config of '
                           f'teacher {name!r} (it has {sorted(model_cfgs)})')
        prints[f'teacher.{name}'] = teacher_fingerprint(model_cfgs[name], teacher, algorithm.teacher_forward_mode)
        view = algorithm.teacher_inputs[name].fingerprint() if hasattr(algorithm, 'teacher_inputs') else ''
        if view:  # the teacher's own view of the batch (default: none, as before)
            prints[f'teacher.{name}'] = hashlib.sha256(f'{prints[f"teacher.{name}"]};{view}'.encode()).hexdigest()
        precision = getattr(getattr(algorithm, 'teacher_precisions', {}).get(name), 'precision', None)
        if precision is not None:  # a bf16/fp16 teacher writes other features than an fp32 one
            digest = f'{prints[f"teacher.{name}"]};precision={precision}'
            prints[f'teacher.{name}'] = hashlib.sha256(digest.encode()).hexdigest()
    return prints
