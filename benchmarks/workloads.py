"""The training steps the benchmarks compare, built from the real configs.

A *method* pairs a distillation config with the config that trains its
student alone. Models get random weights (no checkpoints, no data on disk):
the batch is synthesised in the form a dataloader hands to ``train_step``
(a list of uint8 images plus mmdet ``DetDataSample``s with boxes, or mmseg
``SegDataSample``s with label maps), so each step runs exactly the runner's
code path: data preprocessor, forward, losses, backward, optimizer step.
"""
from __future__ import annotations

import copy
import os.path as osp
from dataclasses import dataclass
from typing import Optional

import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

from common import ROOT

import mmkd  # noqa: F401  (registers mmkd modules)
from mmkd.models.builder import build_model
from mmkd.registry import MODELS


@dataclass(frozen=True)
class Method:
    distill_config: str
    student_config: str
    task: str  # 'det' or 'seg'


METHODS = {
    'retinanet_cwd': Method('configs/cwd/cwd_fpn_retinanet-r50-w16_retinanet-r18-w8_adamw-12e_shapes-coco.py',
                            'configs/detection/retinanet-r18-w8_adamw-12e_shapes-coco.py', 'det'),
    'retinanet_mgd': Method('configs/mgd/mgd_fpn_retinanet-r50-w16_retinanet-r18-w8_adamw-12e_shapes-coco.py',
                            'configs/detection/retinanet-r18-w8_adamw-12e_shapes-coco.py', 'det'),
    'deeplabv3_cwd': Method(
        'configs/cwd/cwd_logits_deeplabv3-r50-w16_deeplabv3-r18-w8_adamw-20e_shapes-cityscapes.py',
        'configs/segmentation/deeplabv3-r18-w8_adamw-20e_shapes-cityscapes.py', 'seg'),
}

PRECISIONS = ('fp32', 'bf16', 'fp16')


def image_shape(task: str, size: int) -> tuple:
    """Detection images are square; segmentation ones keep Cityscapes' 1:2 aspect."""
    return (size, size) if task == 'det' else (size, 2 * size)


def optim_wrapper_cfg(base: dict, precision: str, device: str) -> dict:
    """The config's optimizer under ``precision``, as ``tools/train.py --amp`` would set it."""
    cfg = copy.deepcopy(dict(base))
    if precision == 'fp32':
        return cfg
    if precision not in PRECISIONS:
        raise ValueError(f'precision must be one of {PRECISIONS}, got {precision!r}')
    if device.startswith('cuda'):
        cfg.update(type='AmpOptimWrapper', dtype='bfloat16' if precision == 'bf16' else 'float16')
        if precision == 'fp16':
            cfg['loss_scale'] = 'dynamic'
    else:
        cfg.update(type='mmkd.CPUAutocastOptimWrapper',
                   dtype='bfloat16' if precision == 'bf16' else 'float16')
    return cfg


def synthetic_batch(task: str, model_cfg: dict, batch_size: int, size: int, seed: int = 0) -> dict:
    """Random uint8 images and ground truth of the right type for ``task``."""
    g = torch.Generator().manual_seed(seed)
    h, w = image_shape(task, size)
    inputs, samples = [], []
    for i in range(batch_size):
        inputs.append(torch.randint(0, 256, (3, h, w), generator=g, dtype=torch.uint8))
        meta = dict(img_id=i, img_path=f'synthetic_{i}.png', ori_shape=(h, w), img_shape=(h, w),
                    scale_factor=(1.0, 1.0), flip=False)
        if task == 'det':
            samples.append(_det_sample(meta, model_cfg['bbox_head']['num_classes'], h, w, g))
        else:
            samples.append(_seg_sample(meta, model_cfg['decode_head']['num_classes'], h, w, g))
    return dict(inputs=inputs, data_samples=samples)


def _det_sample(meta: dict, num_classes: int, h: int, w: int, g: torch.Generator):
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData
    n = 3
    xy = torch.rand(n, 2, generator=g) * torch.tensor([w * 0.6, h * 0.6])
    wh = (0.2 + 0.2 * torch.rand(n, 2, generator=g)) * torch.tensor([w, h])
    sample = DetDataSample(metainfo=meta)
    sample.gt_instances = InstanceData(bboxes=torch.cat([xy, xy + wh], 1),
                                       labels=torch.randint(0, num_classes, (n,), generator=g))
    return sample


def _seg_sample(meta: dict, num_classes: int, h: int, w: int, g: torch.Generator):
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    coarse = torch.randint(0, num_classes, (1, 1, h // 8 + 1, w // 8 + 1), generator=g).float()
    labels = torch.nn.functional.interpolate(coarse, scale_factor=8, mode='nearest')[0, :, :h, :w]
    return SegDataSample(metainfo=meta, gt_sem_seg=PixelData(data=labels.long()))


class Workload:
    """The models and the batch of one method at one size; each ``*_step`` is one timed unit.

    Args:
        parts: which models to build: ``'student'`` (trained alone, from the
            student config), ``'teacher'`` (frozen, eval, from the distillation
            config), ``'distill'`` (the distillation algorithm).
        precision: ``'fp32'``, ``'bf16'`` or ``'fp16'`` (GPU only) for the
            optimizer wrappers of the trained models.
    """

    def __init__(self, method: str, args, parts=('student', 'teacher', 'distill'),
                 precision: str = 'fp32', algorithm_options: Optional[dict] = None) -> None:
        if method not in METHODS:
            raise KeyError(f'unknown method {method!r}; choose from {sorted(METHODS)}')
        init_default_scope('mmkd')
        self.method = METHODS[method]
        self.device = args.device
        distill_cfg = Config.fromfile(osp.join(ROOT, self.method.distill_config))
        student_cfg = Config.fromfile(osp.join(ROOT, self.method.student_config))
        size_override = self._size_override(args.image_size)

        algorithm_cfg = copy.deepcopy(distill_cfg.model)
        algorithm_cfg.update(algorithm_options or {})
        algorithm_cfg.teacher.ckpt = None  # random weights: timing does not depend on them
        for role in ('student', 'teacher'):
            algorithm_cfg[role].cfg_options = dict(algorithm_cfg[role].get('cfg_options') or {},
                                                   **size_override)
        self.data = synthetic_batch(self.method.task, student_cfg.model, args.batch_size, args.image_size)

        self.student = self.teacher = self.algorithm = None
        self._recorded = None  # features for distiller_step, recorded on its first call
        if 'student' in parts:
            self.student = self._to_device(build_model(
                dict(cfg_path=osp.join(ROOT, self.method.student_config), cfg_options=size_override),
                'student'))
            self.student_wrapper = build_optim_wrapper(
                self.student, optim_wrapper_cfg(student_cfg.optim_wrapper, precision, self.device))
        if 'teacher' in parts:
            self.teacher = self._to_device(build_model(algorithm_cfg.teacher, 'teacher'))
            self.teacher.requires_grad_(False)
            self.teacher.eval()
            self.teacher_mode = algorithm_cfg.get('teacher_forward_mode', 'tensor')
            self.teacher_inputs = self.teacher.data_preprocessor(self.data, True)['inputs']
        if 'distill' in parts:
            self.algorithm = self._to_device(MODELS.build(algorithm_cfg))
            self.distill_wrapper = build_optim_wrapper(
                self.algorithm, optim_wrapper_cfg(distill_cfg.optim_wrapper, precision, self.device))

    def _size_override(self, size: int) -> dict:
        """Segmentation preprocessors pad to a fixed size: make it the benchmark's."""
        if self.method.task == 'seg':
            return {'data_preprocessor.size': image_shape('seg', size)}
        return {}

    def _to_device(self, model: torch.nn.Module) -> torch.nn.Module:
        model.init_weights()
        model.to(self.device)
        model.train()
        return model

    # ------------------------------------------------------------ timed units
    def student_step(self) -> None:
        """One training step of the student alone (preprocess, forward, backward, optimizer)."""
        self.student.train_step(self.data, self.student_wrapper)

    def teacher_forward(self) -> None:
        """The frozen teacher's forward as the algorithm runs it (no grad, eval mode)."""
        with torch.no_grad():
            self.teacher(self.teacher_inputs, mode=self.teacher_mode)

    def distill_step(self) -> None:
        """One training step of the distillation algorithm (teacher, student, distiller, optimizer)."""
        self.algorithm.train_step(self.data, self.distill_wrapper)

    def distiller_step(self) -> None:
        """The distiller alone: connectors and losses, forward and backward, on recorded features.

        This is the method's own compute (MGD's generator, CWD's softmaxes),
        which no framework can avoid; with it in the denominator, what is left
        of a ratio above 1 is the framework's share.
        """
        if self._recorded is None:
            self._recorded = self._record_features()
        for manager, buffers in self._recorded:
            for recorder, buffer in zip(manager.recorders.values(), buffers):
                recorder.data_buffer = list(buffer)
        losses = self.algorithm.distiller.compute_losses(self._recorded_samples)
        sum(losses.values()).backward()

    def _record_features(self) -> list:
        """Run teacher and student once (no grad) with the recorders on; keep what they recorded.

        Student features become leaf tensors that require grad, so the
        backward of ``distiller_step`` reaches them as it would reach the student.
        """
        algorithm = self.algorithm
        data = algorithm.data_preprocessor(self.data, True)
        self._recorded_samples = data['data_samples']
        with torch.no_grad():
            for name, model in [('teacher', algorithm.teacher), ('student', algorithm.student)]:
                with algorithm.distiller.recording([name]):
                    model(data['inputs'], data['data_samples'], mode='tensor')
        snapshot = []
        for name, manager in algorithm.distiller.recorder_managers.items():
            prepare = _leaf_requiring_grad if name == 'student' else (lambda value: value)
            buffers = [[prepare(v) for v in r.data_buffer] for r in manager.recorders.values()]
            snapshot.append((manager, buffers))
        return snapshot


def _leaf_requiring_grad(value):
    if isinstance(value, torch.Tensor):
        return value.detach().requires_grad_(value.is_floating_point())
    if isinstance(value, (list, tuple)):
        return type(value)(_leaf_requiring_grad(v) for v in value)
    return value
