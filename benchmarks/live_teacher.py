"""Benchmark 7: what a live (frozen) teacher costs, and the options that make it cheaper.

Workload: the papers' detection pair built from mmdet's own configs
(``mmdet::retinanet/retinanet_r50_fpn_1x_coco.py`` teacher ->
``mmdet::retinanet/retinanet_r18_fpn_1x_coco.py`` student, 8 classes, random
weights), CWD (tau 1) on the five FPN levels, mmdet's SGD, a synthetic
batch (default 320 px, batch 2, 2 threads). Timed interleaved, per repeat:

- ``student``: the student's training step alone;
- ``teacher b+n``: the fp32 teacher's backbone + neck forward (no grad), what
  FPN distillation needs of the teacher; ``teacher full`` adds its head;
- ``distill <variant>``: the distillation step with the algorithm's defaults
  (``teacher_partial_forward='auto'``: the teacher stops after the neck),
  with ``teacher_partial_forward=False``, with ``teacher_precision='bf16'``,
  with ``teacher_compile=True``, and with the teacher read from a feature
  cache (``teacher_cache``, one batch extracted beforehand).

Ratios are per repeat against ``student + teacher b+n``; targets: default
<= 1.00, bf16 teacher <= 0.90. The compile time is the extra time of the
first compiled step.

    python benchmarks/live_teacher.py [--image-size 320 --threads 2 --variants ...]
"""
import copy
import importlib.util
import tempfile
import time

import torch
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

from common import (common_parser, describe_run, finalize_args, interleaved_times, markdown_table, median, ratios,
                    spread)
from workloads import synthetic_batch

import mmkd  # noqa: F401  (registers mmkd modules)
from mmkd.models.algorithms.teacher_precision import cpu_has_native_bf16
from mmkd.models.builder import build_model, load_model_cfg
from mmkd.registry import MODELS

NUM_CLASSES = 8
STUDENT = 'mmdet::retinanet/retinanet_r18_fpn_1x_coco.py'
TEACHER = 'mmdet::retinanet/retinanet_r50_fpn_1x_coco.py'
OPTIM_WRAPPER = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4))
# name -> options of the distillation algorithm (beside the defaults)
VARIANTS = {
    'default': {},
    'partial off': dict(teacher_partial_forward=False),
    'bf16 teacher': dict(teacher_precision='bf16'),
    'compiled teacher': dict(teacher_compile=True),
    'cached teacher': dict(teacher_cache=True),  # replaced by a temporary cache directory
}
TARGETS = {'default': 1.00, 'bf16 teacher': 0.90}


def model_spec(cfg_path: str) -> dict:
    """mmdet's config with 8 classes and random weights (no ImageNet download)."""
    return dict(cfg_path=cfg_path, cfg_options={'bbox_head.num_classes': NUM_CLASSES, 'backbone.init_cfg': None})


def algorithm_cfg(**options) -> dict:
    fpn = dict(fpn=dict(type='ModuleOutputs', source='neck'))
    return dict(type='mmkd.SingleTeacherDistill', student=model_spec(STUDENT), teacher=model_spec(TEACHER),
                distiller=dict(type='ConfigurableDistiller', student_recorders=fpn, teacher_recorders=fpn,
                               losses=dict(loss_cwd=dict(type='ChannelWiseDivergence', tau=1.0, loss_weight=10.0)),
                               loss_inputs=dict(loss_cwd=dict(preds_S=('student', 'fpn'),
                                                              preds_T=('teacher', 'fpn')))),
                **options)


def trained(model, device):
    model.init_weights()
    return model.to(device).train()


class PaperPair:
    """The models, optimizers and batch of the workload; each ``*_step`` is one timed unit."""

    def __init__(self, args, variants, cache_dir: str) -> None:
        init_default_scope('mmkd')
        self.device = args.device
        self.data = synthetic_batch('det', load_model_cfg(model_spec(STUDENT), 'student'), args.batch_size,
                                    args.image_size)
        self.student = trained(build_model(model_spec(STUDENT), 'student'), self.device)
        self.student_wrapper = build_optim_wrapper(self.student, copy.deepcopy(OPTIM_WRAPPER))
        self.teacher = build_model(model_spec(TEACHER), 'teacher')
        self.teacher.init_weights()
        self.teacher.to(self.device).eval().requires_grad_(False)
        self.teacher_inputs = self.teacher.data_preprocessor(self.data, True)['inputs']
        self.algorithms = {}
        for name in variants:
            options = dict(VARIANTS[name])
            if options.get('teacher_cache'):
                options['teacher_cache'] = dict(cache_dir=cache_dir, on_miss='error')
            algorithm = trained(MODELS.build(algorithm_cfg(**options)), self.device)
            if options.get('teacher_cache'):
                self._open_cache(algorithm, cache_dir)
            self.algorithms[name] = (algorithm, build_optim_wrapper(algorithm, copy.deepcopy(OPTIM_WRAPPER)))

    def _open_cache(self, algorithm, cache_dir: str) -> None:
        from mmkd.cache import extract_from_loader
        pipeline = dict(benchmark='synthetic batch', size=self.teacher_inputs.shape[-1])
        extract_from_loader(algorithm, lambda _pass: [self.data], pipeline, cache_dir)
        algorithm.train()  # extraction leaves the algorithm in eval mode
        algorithm.open_teacher_cache(pipeline)

    def student_step(self) -> None:
        self.student.train_step(self.data, self.student_wrapper)

    def teacher_backbone_neck(self) -> None:
        with torch.no_grad():
            self.teacher.extract_feat(self.teacher_inputs)

    def teacher_full(self) -> None:
        with torch.no_grad():
            self.teacher(self.teacher_inputs, mode='tensor')

    def distill_step(self, name: str):
        algorithm, wrapper = self.algorithms[name]
        return lambda: algorithm.train_step(self.data, wrapper)


def main(argv=None):
    parser = common_parser(__doc__)
    parser.set_defaults(image_size=320, threads=2, warmup=2, steps=2, repeats=5)
    parser.add_argument('--variants', nargs='+', default=list(VARIANTS), choices=list(VARIANTS))
    args = finalize_args(parser.parse_args(argv))
    variants = [v for v in args.variants
                if v != 'cached teacher' or importlib.util.find_spec('mmkd.cache') is not None]
    print(describe_run(args) + f'; CPU native bf16: {cpu_has_native_bf16()}')
    with tempfile.TemporaryDirectory(prefix='mmkd_bench_cache_') as cache_dir:
        pair = PaperPair(args, variants, cache_dir)
        compile_s = None
        if 'compiled teacher' in variants:  # step 1 runs eagerly (calibration), step 2 compiles
            step = pair.distill_step('compiled teacher')
            step()
            start = time.perf_counter()
            step()
            first = time.perf_counter() - start
            start = time.perf_counter()
            step()
            compile_s = first - (time.perf_counter() - start)
        units = {'student': pair.student_step, 'teacher b+n': pair.teacher_backbone_neck,
                 'teacher full': pair.teacher_full}
        units.update({f'distill {name}': pair.distill_step(name) for name in variants})
        times = interleaved_times(units, args)
    base = [s + t for s, t in zip(times['student'], times['teacher b+n'])]
    rows = []
    for unit, values in times.items():
        name = unit[len('distill '):] if unit.startswith('distill ') else None
        per_repeat = ratios(values, base)
        rows.append((unit, median(values) * 1000, median(per_repeat), spread(per_repeat),
                     f'<= {TARGETS[name]:.2f}' if name in TARGETS else '-'))
    print(markdown_table(['step', 'ms (median)', 'ratio to student + teacher b+n (median)', 'min-max', 'target'],
                         rows))
    if compile_s is not None:
        print(f'compile time of the teacher (first compiled step minus a later one): {compile_s:.1f} s')


if __name__ == '__main__':
    main()
