"""Write the teacher features of a training set into a cache.

The teachers run exactly as in training (same dataset pipeline, same data
preprocessor, same recorders, same forward mode, partial forward if the
config asks for it), in eval mode without gradients, over the training set
in order. ``passes > 1`` runs the pipeline again with another seed, so a
random augmentation (e.g. a 50% horizontal flip) stores several variants of
a sample under their augmentation keys; samples whose variant is already
stored are not run again. The seed of pass ``p`` is ``randomness.seed + p``,
so an interrupted extraction that is run again draws the same variants and
only computes what is missing.
"""
from __future__ import annotations

import copy
import re
import time
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

import torch
from mmengine.config import Config
from mmengine.dist import barrier, get_dist_info
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmengine.runner.utils import set_random_seed
from torch import nn

from mmkd.registry import MODELS
from .extraction_driver import ComputedBatch, encode_leaf, run_extraction
from .fingerprint import algorithm_fingerprints, dataset_pipeline
from .index import recorder_signature
from .parts import merge_parts, part_dir
from .sample_key import SampleKeys, id_kind_of
from .structure import flatten

# random transforms whose draw shows in the metainfo that keys a sample
RECORDED_RANDOM = {'RandomFlip', 'RandomResize', 'RandomChoiceResize'}
_RANDOM_NAME = re.compile(r'Random|PhotoMetric|Jitter|Mosaic|MixUp|Albu|CutOut|Erasing|Distortion|AutoAugment')


def unrecorded_random_transforms(pipeline: Any) -> List[str]:
    """Types in ``pipeline`` (nested ``transforms`` included) that look random
    but leave no trace in the metainfo a cache key is made of."""
    found: List[str] = []

    def walk(item: Any) -> None:
        if isinstance(item, (list, tuple)):
            for x in item:
                walk(x)
        elif isinstance(item, dict):
            kind = str(item.get('type', '')).split('.')[-1]
            if kind and kind not in RECORDED_RANDOM and _RANDOM_NAME.search(kind):
                found.append(kind)
            for value in item.values():
                if isinstance(value, (list, tuple, dict)):
                    walk(value)

    walk(pipeline)
    return found


def _split_records(algorithm: nn.Module, teacher_names: List[str], batch: int, dtype: str,
                   levels: Optional[Dict[str, List[int]]] = None) -> Tuple[Dict[str, Any], Dict[str, torch.Tensor]]:
    """The recorded values of this batch as (records description, leaf -> batch tensor in the cache dtype).

    ``levels`` (``{recorder: [leaf positions]}``) stores only those tensors of a
    recorder (the FPN levels a distiller reads); the record lists them under ``levels``.
    """
    records: Dict[str, Any] = {}
    tensors: Dict[str, torch.Tensor] = {}
    for model in teacher_names:
        manager = algorithm.distiller.recorder_managers[model]
        records[model] = {}
        for name in manager.recorders:
            where = f'recorder {name!r} of the {model}'
            spec, leaves = flatten(manager.get(name), where)
            keep = (levels or {}).get(name)
            if keep is not None and (not keep or any(not 0 <= i < len(leaves) for i in keep)):
                raise ValueError(f'teacher_cache.levels[{name!r}] = {keep} for {where}, which records '
                                 f'{len(leaves)} tensors (positions 0-{len(leaves) - 1})')
            leaf_names = []
            for i, leaf in enumerate(leaves):
                if keep is not None and i not in keep:
                    continue
                if leaf.dim() == 0 or leaf.shape[0] != batch:
                    raise ValueError(f'teacher cache: {where}, tensor {i} has shape {tuple(leaf.shape)}, '
                                     f'not a batch of {batch} samples; only per-sample values can be cached')
                leaf_name = f'{model}.{name}.{i}'
                tensors.update(encode_leaf(leaf_name, leaf, dtype, f'{where}, tensor {i}'))
                leaf_names.append(leaf_name)
            records[model][name] = dict(cfg=recorder_signature(algorithm.distiller.recorder_cfgs[model][name]),
                                        spec=spec, leaves=leaf_names)
            if keep is not None:
                records[model][name]['levels'] = sorted(set(keep))
    return records, tensors


def _unwrap_dataset(dataset: Any) -> Any:
    while hasattr(dataset, 'dataset') and not hasattr(dataset, 'data_root'):
        dataset = dataset.dataset
    return dataset


def extract_from_loader(algorithm: nn.Module, loader_for_pass: Callable[[int], Iterable[dict]],
                        pipeline_cfg: Any, cache_dir: str, passes: int = 1, dtype: str = 'float32',
                        shard_size: int = 256, verify_hashes: bool = True, data_root: Optional[str] = None,
                        stop_after_shards: Optional[int] = None, budget_samples: Optional[int] = None,
                        allow_over_budget: bool = False, free_bytes: Optional[int] = None,
                        levels: Optional[Dict[str, List[int]]] = None) -> Dict[str, int]:
    """Run ``algorithm``'s teachers over ``loader_for_pass(p)`` for each pass and cache
    their recorded features.

    Path sample ids are made relative to ``data_root`` (default: the
    ``data_root`` of the loader's dataset, when it has one).

    ``stop_after_shards`` stops (like an interruption) once that many shards
    are written, leaving the cache incomplete; used to test resuming.
    ``budget_samples`` (samples of all passes) turns on the disk budget check
    of :func:`~mmkd.cache.extraction_driver.run_extraction`. ``levels``
    (``teacher_cache.levels`` of a config) stores only some tensors of a recorder.
    Returns counts: samples written, samples skipped (already cached), shards.
    """
    logger = MMLogger.get_current_instance()
    managers = algorithm.distiller.recorder_managers
    teacher_names = [name for name in algorithm.teachers if name in managers]
    if not teacher_names:
        raise ValueError('teacher cache: no teacher has recorders, so there is nothing to cache')
    if getattr(algorithm.data_preprocessor, 'batch_augments', None):
        raise ValueError('teacher cache: the data preprocessor has batch_augments (random batch-level '
                         'transforms, e.g. BatchSyncRandomResize) that no cache key records; '
                         'train with the live teacher or remove them')
    algorithm.eval()
    keys: List[SampleKeys] = []  # made from the first batch: its samples say how they are identified

    def batches():
        nonlocal data_root
        for pass_idx in range(passes):
            loader = loader_for_pass(pass_idx)
            if data_root is None and hasattr(loader, 'dataset'):
                data_root = getattr(_unwrap_dataset(loader.dataset), 'data_root', None)
            for data_batch in loader:
                data = algorithm.data_preprocessor(data_batch, True)
                samples = data['data_samples']
                if not keys:
                    keys.append(SampleKeys(id_kind_of(samples[0].metainfo), data_root))
                yield [keys[0].key(s.metainfo) for s in samples], data
            logger.info(f'teacher cache: pass {pass_idx + 1}/{passes} done')

    def compute(data: dict, todo: List[int]) -> ComputedBatch:
        inputs, samples = data['inputs'], data['data_samples']
        with torch.no_grad(), algorithm.distiller.recording(teacher_names):
            algorithm.run_teachers(inputs, samples)
            records, tensors = _split_records(algorithm, teacher_names, len(samples), dtype, levels)
        shapes = [samples[i].metainfo.get('batch_input_shape') for i in todo]
        return ComputedBatch(records, [{leaf: t[i] for leaf, t in tensors.items()} for i in todo],
                             [list(shape) if shape is not None else None for shape in shapes])

    return run_extraction(cache_dir, algorithm_fingerprints(algorithm, pipeline_cfg), lambda: keys[0].id_kind,
                          batches(), compute, dtype, shard_size, verify_hashes, stop_after_shards,
                          'teacher cache', logger, budget_samples, allow_over_budget, free_bytes)


def extract_teacher_features(cfg: Config, cache_dir: Optional[str] = None, passes: int = 1,
                             dtype: str = 'float32', shard_size: int = 256, batch_size: Optional[int] = None,
                             verify_hashes: bool = True, allow_unrecorded_random: bool = False,
                             stop_after_shards: Optional[int] = None, allow_over_budget: bool = False,
                             free_bytes: Optional[int] = None) -> str:
    """Extract the cache of a distillation config (live or ``teacher_cache`` variant).

    Builds the algorithm (teacher checkpoints loaded, as in training) and the
    config's train dataloader with the same dataset and pipeline but a
    sequential sampler. ``cache_dir`` defaults to ``model.teacher_cache.cache_dir``.
    Before writing, the teacher's first batch gives the storage budget, and the
    extraction refuses to start when it exceeds the free disk space unless
    ``allow_over_budget`` (``free_bytes`` replaces the measured free space).

    Under an initialised process group (``tools/dist_extract_teacher_features.sh``)
    each rank extracts every ``world_size``-th sample into its own part of the
    cache (:mod:`.parts`) on its own GPU when there is one; rank 0 merges the
    parts' indices once every rank is done. Returns the cache directory.
    """
    cfg = copy.deepcopy(cfg)
    model_cfg = cfg.model
    cache_cfg = model_cfg.pop('teacher_cache', None) or {}
    cache_dir = cache_dir or cache_cfg.get('cache_dir')
    if not cache_dir:
        raise ValueError('no cache directory: pass --cache-dir or set model.teacher_cache.cache_dir')
    if passes < 1:
        raise ValueError(f'passes must be at least 1, got {passes}')
    pipeline = dataset_pipeline(cfg.train_dataloader.dataset)
    unrecorded = unrecorded_random_transforms(pipeline)
    if unrecorded and not allow_unrecorded_random:
        raise ValueError(
            f'the training pipeline has random transforms whose draw is not recorded in the metainfo: '
            f'{unrecorded}. A cache keyed by sample would give one draw\'s teacher features for another '
            'draw\'s input. Remove them from the pipeline of the cached run, or pass '
            '--allow-unrecorded-augmentation to accept approximate teacher features.')
    init_default_scope(cfg.get('default_scope', 'mmkd'))
    rank, world_size = get_dist_info()
    seed = (cfg.get('randomness') or {}).get('seed')
    if seed is not None:  # as the Runner does before building the model
        set_random_seed(seed)
    algorithm = MODELS.build(model_cfg)
    algorithm.init_weights()
    if torch.cuda.is_available():
        algorithm.cuda(torch.cuda.current_device())
    for name, spec in algorithm.teacher_specs.items():
        if not spec.get('ckpt') and rank == 0:
            MMLogger.get_current_instance().warning(
                f'teacher {name!r} has no checkpoint: its features come from random weights')

    def loader_for_pass(pass_idx: int):
        # rebuilt per pass: dataloader workers are seeded when the loader is built
        loader_cfg = copy.deepcopy(cfg.train_dataloader)
        # in order; under a process group each rank gets every world_size-th sample, none twice
        loader_cfg['sampler'] = dict(type='DefaultSampler', shuffle=False, round_up=False)
        if batch_size:
            loader_cfg['batch_size'] = batch_size
        pass_seed = (seed or 0) + pass_idx
        set_random_seed(pass_seed)
        return Runner.build_dataloader(loader_cfg, seed=pass_seed)

    first = loader_for_pass(0)
    samples = len(first.dataset) * passes  # the whole dataset, every pass
    target = cache_dir if world_size == 1 else part_dir(cache_dir, rank, world_size)
    started = time.perf_counter()
    extract_from_loader(algorithm, lambda p: first if p == 0 else loader_for_pass(p), pipeline, target, passes,
                        dtype, shard_size, verify_hashes, None, stop_after_shards, samples, allow_over_budget,
                        free_bytes, cache_cfg.get('levels'))
    if world_size > 1:
        barrier()  # every part is written (or this run stopped early)
        if rank == 0:
            merged = merge_parts(cache_dir)
            seconds = time.perf_counter() - started
            MMLogger.get_current_instance().info(
                f'teacher cache {cache_dir!r}: merged {len(merged.shards)} shards of {world_size} ranks '
                f'({"complete" if merged.complete else "incomplete: run the same command again"}); '
                f'all ranks done in {seconds:.1f} s ({samples / seconds:.2f} samples/s of the data set)')
        barrier()
    return cache_dir
