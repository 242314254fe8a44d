"""The student's own config, written beside its checkpoints: the library's tools use it unchanged.

A distillation config describes an algorithm (mmkd types, a teacher,
distiller wiring). A user who takes the trained student to plain mmdet or
mmseg code needs the *student's* config: its model (resolved from
``cfg_path`` with every override applied), the data pipelines, metainfo and
evaluators for inference and testing, plain ``ValLoop`` / ``TestLoop`` and
the library's visualizer. :func:`student_config` derives exactly that, so
``DetInferencer`` / ``MMSegInferencer``, ``init_detector`` / ``init_model``
and the libraries' test scripts work on the work dir's
``student_config.py`` + ``student_latest.pth`` with mmkd not even installed.
"""
from __future__ import annotations

import copy
from typing import Any, Dict, List

from mmengine.config import Config, ConfigDict

from .builder import load_model_cfg

#: the library visualizer (and its visualization hook) per model scope
VISUALIZERS = {
    'mmdet': ('mmdet.DetLocalVisualizer', 'mmdet.DetVisualizationHook'),
    'mmseg': ('mmseg.SegLocalVisualizer', 'mmseg.SegVisualizationHook'),
    'mmdet3d': ('mmdet3d.Det3DLocalVisualizer', 'mmdet3d.Det3DVisualizationHook'),
}
#: what a standalone config keeps of the training config (the rest is training-only or mmkd's)
DATA_KEYS = ('val_dataloader', 'test_dataloader', 'val_evaluator', 'test_evaluator')


def mmkd_types(value: Any, where: str = '') -> List[str]:
    """Every ``type`` in ``value`` that names an mmkd module (``'mmkd.X'``), with where it sits."""
    found: List[str] = []
    if isinstance(value, dict):
        kind = value.get('type')
        if isinstance(kind, str) and kind.startswith('mmkd.') or value.get('_scope_') == 'mmkd':
            found.append(f'{where or "<root>"}: {kind}')
        for key, item in value.items():
            found += mmkd_types(item, f'{where}.{key}' if where else str(key))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            found += mmkd_types(item, f'{where}[{i}]')
    return found


def _plain(value: Any) -> Any:
    return value.to_dict() if isinstance(value, (Config, ConfigDict)) else copy.deepcopy(value)


def _unscoped(value: Any, scope: str) -> Any:
    """``'mmseg.LoadAnnotations'`` -> ``'LoadAnnotations'`` under ``default_scope='mmseg'``: the
    libraries' inferencers find transforms by their bare names (MMSegInferencer drops
    ``LoadAnnotations`` only when it is spelt so)."""
    if isinstance(value, dict):
        out = {k: _unscoped(v, scope) for k, v in value.items()}
        if isinstance(out.get('type'), str) and out['type'].startswith(scope + '.'):
            out['type'] = out['type'][len(scope) + 1:]
        return out
    if isinstance(value, (list, tuple)):
        return type(value)(_unscoped(v, scope) for v in value)
    return value


def student_config(cfg: Config) -> Config:
    """The standalone config of the student of distillation config ``cfg``.

    Raises ``KeyError`` when ``cfg.model`` has no ``student`` and ``ValueError``
    when the student is itself an mmkd model (a timm classifier, a SAM), whose
    config cannot be read without mmkd (the message names the types).
    """
    model_cfg = cfg.get('model', {})
    if 'student' not in model_cfg:
        raise KeyError(f'student_config: the config\'s model ({model_cfg.get("type")}) has no `student`: '
                       'is it a distillation config?')
    model: Dict[str, Any] = _plain(load_model_cfg(model_cfg['student'], 'student'))
    scope = model.get('_scope_') or (model['type'].split('.')[0] if '.' in str(model['type']) else None)
    if scope not in VISUALIZERS:
        raise ValueError(f'student_config: the student ({model.get("type")}, scope {scope!r}) is not an mmdet, mmseg '
                         'or mmdet3d model; its own config needs mmkd installed')
    out: Dict[str, Any] = dict(default_scope=scope, model=model)
    for key in DATA_KEYS:
        if cfg.get(key) is not None:
            out[key] = _unscoped(_plain(cfg[key]), scope)
    out['val_cfg'] = dict(type='ValLoop')
    out['test_cfg'] = dict(type='TestLoop')
    visualizer, hook = VISUALIZERS[scope]
    out['vis_backends'] = [dict(type='LocalVisBackend')]
    out['visualizer'] = dict(type=visualizer, vis_backends=out['vis_backends'], name='visualizer')
    out['default_hooks'] = dict(
        timer=dict(type='IterTimerHook'), logger=dict(type='LoggerHook', interval=50),
        param_scheduler=dict(type='ParamSchedulerHook'), checkpoint=dict(type='CheckpointHook', interval=1),
        sampler_seed=dict(type='DistSamplerSeedHook'), visualization=dict(type=hook))
    out['env_cfg'] = dict(cudnn_benchmark=False, mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
                          dist_cfg=dict(backend='nccl'))
    out['log_processor'] = dict(type='LogProcessor', window_size=50, by_epoch=True)
    out.update(log_level='INFO', load_from=None, resume=False)
    found = mmkd_types(out)
    if found:
        raise ValueError('student_config: the student\'s inference/test settings use mmkd types, which plain '
                         f'{scope} cannot build: {found}')
    return Config(out)
