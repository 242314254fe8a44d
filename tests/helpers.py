"""Helpers shared by test modules: the repository root, script loading, tiny model specs, short-run configs.

Not a test module (nothing here is collected) and not a conftest: test modules
import it as ``helpers`` (tests/conftest.py puts tests/ on ``sys.path``), and
tests/conftest.py builds its shared fixtures on it. Test modules never import
one another; what two of them share lives here or in a conftest.py.
"""
from __future__ import annotations

import importlib.util
import os.path as osp
from pathlib import Path
from types import ModuleType

import torch
from mmengine.hooks import Hook

REPO_ROOT = Path(__file__).resolve().parents[1]
ROOT = str(REPO_ROOT)

# SAM ViT of 64 px with 2 encoder blocks (mmkd.build_sam arguments): the smallest model that keeps
# a windowed and a global attention block and SAM's decoder layout
TINY_SAM = dict(img_size=64, patch_size=8, encoder_embed_dim=32, encoder_depth=2, encoder_num_heads=2,
                encoder_global_attn_indexes=(1,), encoder_window_size=4, prompt_embed_dim=32, decoder_mlp_dim=64,
                decoder_num_heads=2, iou_head_hidden_dim=32)
# the small SAM decoder every tiny TinySAM-style student below uses
TINY_SAM_DECODER = dict(prompt_embed_dim=32, decoder_mlp_dim=64, decoder_num_heads=2, iou_head_hidden_dim=32)
# open_clip CLIP with a 32 px, 2-block vision tower and a 1-block text tower (embedding width 16)
TINY_CLIP = dict(embed_dim=16, vision_cfg=dict(image_size=32, patch_size=8, width=32, head_width=16, layers=2),
                 text_cfg=dict(context_length=8, vocab_size=49408, width=16, heads=2, layers=1))
# mmdet two-stage detector of the OADP tests: Faster R-CNN with a tiny ResNet + FPN
TINY_FASTER_RCNN_CFG = REPO_ROOT / 'configs' / '_base_' / 'models' / 'faster-rcnn_tiny_fpn.py'


def toy_fitnet_distiller(teacher_recorders: dict) -> dict:
    """ConfigurableDistiller for ToyNet(width=8) -> ToyNet(width=4) (tests/conftest.py): FitNet from the
    student's backbone, through a conv connector, to the teacher's recorder ``feat``."""
    return dict(
        type='ConfigurableDistiller',
        student_recorders=dict(feat=dict(type='ModuleOutputs', source='backbone')),
        teacher_recorders=teacher_recorders,
        connectors=dict(align=dict(type='ConvConnector', in_channels=4, out_channels=8)),
        losses=dict(loss_hint=dict(type='FitNetLoss')),
        loss_inputs=dict(loss_hint=dict(preds_S=dict(model='student', recorder='feat', connector='align'),
                                        preds_T=('teacher', 'feat'))))


def tiny_timm_sam(img_size: int) -> dict:
    """mmkd.build_sam arguments of a TinySAM-style student: a 1-block timm ViT (patch 16, width 32) encoder."""
    return dict(image_encoder=dict(type='mmkd.TimmSamImageEncoder', model_name='vit_tiny_patch16_224',
                                   img_size=img_size, embedding_size=img_size // 16, out_chans=32,
                                   timm_kwargs=dict(img_size=img_size, patch_size=16, depth=1, embed_dim=32,
                                                    num_heads=2)),
                **TINY_SAM_DECODER)


def load_script(relpath: str) -> ModuleType:
    """A repository script (``tools/train.py``, ``demo/x.py``) imported as a module, without running ``main``."""
    path = REPO_ROOT / relpath
    if not path.is_file():
        raise FileNotFoundError(f'load_script: no script {relpath} under {REPO_ROOT}')
    name = 'mmkd_script_' + osp.splitext(relpath)[0].replace('/', '_').replace('-', '_')
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_tool(name: str) -> ModuleType:
    """``tools/<name>.py`` as a module: ``load_tool('train')``, ``load_tool('analysis/cka')``."""
    return load_script(f'tools/{name}.py')


def small_cfg(path, data_root, work_dir, max_epochs, ann_file=None):
    """A distillation config shortened for a real training on a tiny generated set.

    The teacher is random, saved as a checkpoint beside ``work_dir`` (this tests the
    machinery, not accuracy); every split reads ``data_root`` with small batches and no
    workers; ``max_epochs`` epochs at a constant learning rate, validated at the end.
    """
    import torch
    from mmengine.config import Config

    from mmkd.models.builder import build_model

    cfg = Config.fromfile(path)
    teacher_ckpt = osp.join(work_dir + '_teacher.pth')
    if not osp.isfile(teacher_ckpt):
        torch.save({'state_dict': build_model(cfg.model.teacher, 'teacher').state_dict()}, teacher_ckpt)
    options = {'model.teacher.ckpt': teacher_ckpt}
    if ann_file:  # barely trained detectors score below 0.05: keep every box so COCO metrics exist
        for model in ('student', 'teacher'):
            options[f'model.{model}.cfg_options'] = {'test_cfg.score_thr': 0.0}
    options.update({
        'work_dir': work_dir,
        'train_cfg.max_epochs': max_epochs,
        'train_cfg.val_interval': max_epochs,
        'default_hooks.logger.interval': 1,
        'param_scheduler': [dict(type='ConstantLR', factor=1.0, by_epoch=True)],
    })
    for split in ('train', 'val', 'test'):
        options[f'{split}_dataloader.dataset.data_root'] = data_root
        options[f'{split}_dataloader.num_workers'] = 0
        options[f'{split}_dataloader.persistent_workers'] = False
        options[f'{split}_dataloader.batch_size'] = 4 if split == 'train' else 2
    if ann_file:
        options['val_evaluator.ann_file'] = osp.join(data_root, ann_file)
        options['test_evaluator.ann_file'] = osp.join(data_root, ann_file)
    cfg.merge_from_dict(options)
    return cfg


def short_run_cfg(path, data_root, work_dir, iters=2):
    """The config as tools/train.py builds it, shortened to ``iters`` iterations on ``data_root``."""
    from mmengine.config import Config

    cfg = Config.fromfile(path)
    cfg.work_dir = str(work_dir)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters, val_interval=iters)
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=iters, by_epoch=False)
    cfg.default_hooks.logger.interval = 1
    cfg.log_processor = dict(by_epoch=False)
    for split in ('train', 'val', 'test'):
        cfg[f'{split}_dataloader'].dataset.data_root = str(data_root)
        cfg[f'{split}_dataloader'].update(batch_size=2, num_workers=0, persistent_workers=False)
    return cfg


class Outputs(Hook):
    """Keeps each training iteration's losses (floats) and the last validation metrics."""

    def __init__(self):
        self.losses, self.metrics = [], None

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.losses.append({k: float(torch.as_tensor(v).detach()) for k, v in outputs.items()})

    def after_val_epoch(self, runner, metrics=None):
        self.metrics = metrics
