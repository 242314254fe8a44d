"""Build a student or teacher from a model dict, a local config or ``mmdet::``/``mmseg::`` path."""
from __future__ import annotations

import copy
import importlib.util
import os

from mmengine.config import Config, ConfigDict
from torch import nn

from mmkd.registry import MODELS

# keys of a model spec that are mmkd's, not the model's
SPEC_KEYS = ('cfg_path', 'cfg_options', 'ckpt', 'ckpt_weights_only', 'ckpt_prefix', 'inputs',
             'precision', 'force_precision', 'compile')


def load_model_cfg(spec: dict, role: str) -> ConfigDict:
    """Return the model config described by ``spec``.

    ``spec`` is either a model dict (``type=...``) or ``dict(cfg_path=...,
    cfg_options={...})`` where ``cfg_path`` is a local ``.py`` config or a
    package config such as ``'mmdet::retinanet/retinanet_r18_fpn_1x_coco.py'``
    whose ``model`` entry is used. Other keys beside ``cfg_path`` are
    model overrides too, merged into that ``model`` like ``cfg_options``, so
    ``--cfg-options model.student.roi_head.bbox_head.x=...`` reaches the model
    instead of being dropped. Unscoped types get the config's
    ``default_scope`` so they resolve in mmdet/mmseg, not in mmkd.
    """
    spec = copy.deepcopy(dict(spec))
    cfg_path = spec.pop('cfg_path', None)
    cfg_options = spec.pop('cfg_options', None) or {}
    for key in SPEC_KEYS:
        spec.pop(key, None)
    if cfg_path is None:
        if 'type' not in spec:
            raise KeyError(f'the {role} needs either cfg_path=... or a model dict with type=...')
        return with_build_scope(ConfigDict(spec))
    overrides = {**spec, **cfg_options}  # keys beside cfg_path override the config's model too
    try:
        cfg = Config.fromfile(package_config_path(cfg_path) if '::' in cfg_path else cfg_path)
    except FileNotFoundError as err:
        raise FileNotFoundError(f'{role} config not found: {cfg_path!r} ({err})') from None
    if overrides:
        cfg.merge_from_dict({f'model.{k}': v for k, v in overrides.items()})
    if 'model' not in cfg:
        raise KeyError(f'{role} config {cfg_path!r} has no `model` entry')
    model_cfg = cfg.model
    scope = cfg.get('default_scope')
    if scope and '.' not in model_cfg['type'] and '_scope_' not in model_cfg:
        model_cfg['_scope_'] = scope
    return with_build_scope(model_cfg)


def with_build_scope(model_cfg: ConfigDict) -> ConfigDict:
    """Turn ``type='mmdet.RetinaNet'`` into ``_scope_='mmdet'``.

    mmengine resolves a scoped type name, but builds the model's own children
    (``DetDataPreprocessor``, ``ResNet``...) under the *current* default scope
    unless ``_scope_`` switches it; without this an mmdet model built from an
    mmkd config would look for its parts in the mmkd registry.
    """
    scope, sep, name = str(model_cfg['type']).partition('.')
    if sep and '_scope_' not in model_cfg:
        model_cfg['_scope_'] = scope
        model_cfg['type'] = name
    return model_cfg


def package_config_path(cfg_path: str) -> str:
    """``'mmdet::retinanet/x.py'`` -> the file inside the installed package.

    OpenMMLab packages ship their configs under ``<package>/.mim/configs``.
    (mmengine.hub resolves this too, but imports ``pkg_resources``, which
    current setuptools no longer provide.)
    """
    package, _, relative = cfg_path.partition('::')
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise FileNotFoundError(f'package {package!r} of config {cfg_path!r} is not installed')
    return os.path.join(os.path.dirname(spec.origin), '.mim', 'configs', relative)


def build_model(spec: dict, role: str) -> nn.Module:
    return MODELS.build(load_model_cfg(spec, role))
