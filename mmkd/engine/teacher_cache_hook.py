"""Open a distillation algorithm's teacher cache before training.

The cache must be checked against the training pipeline (a cache made under
another pipeline is refused), and only the runner knows the pipeline; so
this hook hands ``cfg.train_dataloader``'s dataset pipeline to
``algorithm.open_teacher_cache``. It does nothing for algorithms without
``teacher_cache``, so the distillation base configs list it unconditionally
and turning the cache on is one config switch.
"""
from __future__ import annotations

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmkd.cache.fingerprint import dataset_pipeline
from mmkd.registry import HOOKS


@HOOKS.register_module()
class TeacherCacheHook(Hook):
    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if getattr(model, 'cached_teacher', None) is None:
            return
        loader_cfg = runner.cfg.get('train_dataloader') if runner.cfg else None
        if not loader_cfg or 'dataset' not in loader_cfg:
            raise RuntimeError('TeacherCacheHook needs the train_dataloader config to check the teacher '
                               'cache against the training pipeline; build the Runner with Runner.from_cfg')
        model.open_teacher_cache(dataset_pipeline(loader_cfg['dataset']))
