"""Open a distillation algorithm's teacher cache before training.

The cache must be checked against the training pipeline (a cache made under
another pipeline is refused), and only the runner knows the pipeline; so
this hook hands ``cfg.train_dataloader``'s dataset pipeline to
``algorithm.open_teacher_cache``. It does nothing for algorithms without
``teacher_cache``, so the distillation base configs list it unconditionally
and turning the cache on is one config switch.

With ``teacher_cache.prefetch`` (the default) it also wraps the train
dataloader's ``collate_fn`` so that the dataloader workers read each batch's
entries ahead of the step (``mmkd.cache.prefetch``). Workers take their
collate function when they start: an epoch-based loop starts them after this
hook; an iteration-based loop starts its iterator when it is built, so that
iterator is made again here.
"""
from __future__ import annotations

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch.utils.data import DataLoader

from mmkd.cache.fingerprint import dataset_pipeline
from mmkd.cache.prefetch import TeacherCachePrefetch
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
        cached = model.cached_teacher
        loader = getattr(runner.train_loop, 'dataloader', None)
        if cached.prefetch and isinstance(loader, DataLoader) and not isinstance(loader.collate_fn,
                                                                                  TeacherCachePrefetch):
            loader.collate_fn = cached.collate_fn(loader.collate_fn)
            who = f'the {loader.num_workers} dataloader worker(s)' if loader.num_workers else \
                'the dataloader (num_workers=0: in this process, between steps)'
            runner.logger.info(f"teacher cache: {who} read each batch's entries (teacher_cache.prefetch)")
            iterator = getattr(runner.train_loop, 'dataloader_iterator', None)
            if iterator is not None:  # IterBasedTrainLoop: restart it so its workers use the new collate_fn
                runner.train_loop.dataloader_iterator = type(iterator)(loader)
