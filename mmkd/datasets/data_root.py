"""Re-point a loaded config at another copy of its data set.

mmengine evaluates a config file once: ``data_root`` is copied into every
dataloader and baked into strings such as the evaluator's
``ann_file=data_root + ...``. Changing the top-level ``data_root`` afterwards
(``--cfg-options data_root=...``) therefore changes nothing by itself; this
helper carries the new root to every place that used the old one.
"""
import os.path as osp

from mmengine.config import Config

_LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
_EVALUATORS = ('val_evaluator', 'test_evaluator')


def _retarget_dataset(dataset: dict | None, old: str, new: str) -> None:
    """Set ``data_root`` of ``dataset`` and of wrapped datasets that used ``old``."""
    if not isinstance(dataset, dict):
        return
    if dataset.get('data_root') == old:
        dataset['data_root'] = new
    _retarget_dataset(dataset.get('dataset'), old, new)  # RepeatDataset & co.
    for part in ('labeled', 'unlabeled'):  # SemiSupervisedDataset
        _retarget_dataset(dataset.get(part), old, new)
    for inner in dataset.get('datasets', ()):  # ConcatDataset
        _retarget_dataset(inner, old, new)


def set_data_root(cfg: Config, data_root: str) -> None:
    """Replace the config's ``data_root`` everywhere it was used.

    Only datasets whose ``data_root`` equals the config's top-level
    ``data_root`` and evaluator ``ann_file`` paths under it change, so configs
    that combine several data sets keep their other roots.
    """
    old = cfg.get('data_root')
    if old is None:
        raise KeyError('the config has no top-level data_root to replace')
    for key in _LOADERS:
        loader = cfg.get(key)
        if loader is not None:
            _retarget_dataset(loader.get('dataset'), old, data_root)
    seen = set()  # test_evaluator may be the very object val_evaluator is
    for key in _EVALUATORS:
        evaluators = cfg.get(key)
        for evaluator in evaluators if isinstance(evaluators, list) else [evaluators]:
            if not isinstance(evaluator, dict) or id(evaluator) in seen:
                continue
            seen.add(id(evaluator))
            ann_file = evaluator.get('ann_file')
            if isinstance(ann_file, str) and ann_file.startswith(old):
                evaluator['ann_file'] = osp.join(data_root, ann_file[len(old):].lstrip('/'))
    cfg.data_root = data_root
