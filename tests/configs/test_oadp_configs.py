"""OADP configs: the full pyramid trains two iterations from an OAKE cache, the ablation rows switch
levels, the ViLD ensemble evaluates with finite novel scores, and the OV-COCO paper config builds.

A tiny generated COCO set (8 train / 4 val images) with the shapes OV split,
a tiny random CLIP for the text embeddings and the OAKE cache; the configs are
the real ones with paths, widths and schedule shrunk. The CLIP is not part
of the trained model at all: distillation reads only the cache.
"""
import glob
import os.path as osp

import open_clip
import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmkd.datasets import write_ov_split
from mmkd.datasets.embedded import SHAPES_CLASSES, generate_detection
from mmkd.datasets.ov_split import OV_COCO_BASE_CLASSES, OV_COCO_NOVEL_CLASSES
from mmkd.models.clip import CLIPTeacher
from mmkd.models.oadp import extract_oake_features
from mmkd.registry import MODELS
from helpers import ROOT

SHAPES = 'clip-tiny-vit-64_faster-rcnn-r18-w8_adamw-12e_ov-shapes-coco.py'
CONFIG = {row: osp.join(ROOT, 'configs', 'oadp', f'oadp_{row}_{SHAPES}')
          for row in ('none', 'object', 'object-block', 'pyramid')}
PAPER = osp.join(ROOT, 'configs', 'oadp', 'oadp_pyramid_clip-vit-b-32_faster-rcnn-r50_sgd-40k_ov-coco.py')
DIM = 16
TINY = dict(embed_dim=DIM, vision_cfg=dict(image_size=32, patch_size=8, width=32, head_width=16, layers=2),
            text_cfg=dict(context_length=16, vocab_size=49408, width=16, heads=2, layers=1))
LOSSES = {'object': {'object'}, 'object-block': {'object', 'block', 'block_multilabel'},
          'pyramid': {'object', 'block', 'block_multilabel', 'global_mse', 'global_multilabel'}}


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp('shapes_ov')
    generate_detection(str(root), seed=0, num_train=8, num_val=4)
    ann = root / 'annotations'
    for split in ('train', 'val'):
        prefix = str(ann / f'instances_{split}2017')
        write_ov_split(f'{prefix}.json', f'{prefix}_ov-shapes_train.json', f'{prefix}_ov-shapes_eval.json',
                       split='shapes')
    torch.manual_seed(0)
    teacher = CLIPTeacher(model_cfg=TINY)
    torch.save(dict(classes=list(SHAPES_CLASSES), embeddings=teacher.embed_categories(SHAPES_CLASSES)),
               root / 'text.pth')
    stats = extract_oake_features(teacher, str(ann / 'instances_train2017_ov-shapes_train.json'),
                                  str(root / 'train2017'), str(root / 'oake'), dict(model_cfg=TINY), num_jitter=1,
                                  block_size=64, max_stride=32)
    assert stats['written'] == 8
    return root


def small_cfg(path, root, work_dir):
    cfg = Config.fromfile(path)
    cfg.work_dir = str(work_dir)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=2, val_interval=100)
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=100)
    cfg.default_hooks.logger.interval = 1
    for split in ('train', 'val', 'test'):
        cfg[f'{split}_dataloader'].update(batch_size=2, num_workers=0, persistent_workers=False)
        cfg[f'{split}_dataloader'].dataset.data_root = str(root)
    cfg.val_evaluator.ann_file = cfg.test_evaluator.ann_file = str(
        root / 'annotations' / 'instances_val2017_ov-shapes_eval.json')
    text = str(root / 'text.pth')
    if cfg.model.type == 'mmkd.MultiTeacherDistill':
        cfg.model.student.cfg_options = {'roi_head.bbox_head.text_embeddings': text,
                                         'roi_head.object_head.embed_dim': DIM}
        cfg.model.distiller.cache_dir = str(root / 'oake')
        cfg.model.distiller.block_head.embed_dim = cfg.model.distiller.global_head.embed_dim = DIM
    else:
        cfg.model.roi_head.bbox_head.text_embeddings = text
    return cfg


class LossRecorder(Hook):
    def __init__(self):
        self.outputs, self.student_before = [], None

    def before_train(self, runner):
        self.student_before = {k: v.clone() for k, v in runner.model.student.state_dict().items()}

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.outputs.append({k: float(v) for k, v in outputs.items()})


def test_full_pyramid_trains_two_iterations_from_the_cache_and_evaluates(data, tmp_path):
    cfg = small_cfg(CONFIG['pyramid'], data, tmp_path)
    schedule = next(h for h in cfg.custom_hooks if h.type == 'mmkd.DistillLossWeightScheduleHook')
    schedule.schedules = {name: dict(warmup=0) for name in LOSSES['pyramid']}
    schedule.schedules['global_multilabel'] = dict(warmup=2)  # factor 0 at iteration 0, 0.5 at iteration 1
    runner = Runner.from_cfg(cfg)
    recorder = LossRecorder()
    runner.register_hook(recorder)
    model = runner.model
    assert len(model.teachers) == 0 and not any(isinstance(m, open_clip.CLIP) for m in model.modules())
    runner.train()
    distill = [{k for k in out if k.startswith('distill.')} for out in recorder.outputs]
    assert distill[0] == {f'distill.{n}' for n in LOSSES['pyramid'] - {'global_multilabel'}}
    assert distill[1] == {f'distill.{n}' for n in LOSSES['pyramid']}
    for out in recorder.outputs:
        assert all(torch.isfinite(torch.tensor(v)) for v in out.values()), out
        assert all(out[k] > 0 for k in out if k.startswith('distill.')), out
    assert any(not torch.equal(v, recorder.student_before[k]) for k, v in model.student.state_dict().items()
               if v.is_floating_point())

    # distillation alone reaches the backbone, the object head and the pyramid heads, not the text classifier
    batch = model.data_preprocessor(next(iter(runner.train_dataloader)), True)
    model.zero_grad(set_to_none=True)
    losses = model(**batch, mode='loss')
    sum(v for k, v in losses.items() if k.startswith('distill.')).backward()
    student = model.student
    for name, module in (('backbone', student.backbone), ('object head', student.roi_head.object_head),
                         ('block head', model.distiller.heads['block']),
                         ('global head', model.distiller.heads['global'])):
        assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in module.parameters()), name
    assert student.roi_head.bbox_head.fc_cls.projection.weight.grad is None

    metrics = runner.val_loop.run()  # the ViLD ensemble, OpenVocabularyAP50 on base + novel boxes
    assert {'ov/novel_AP50', 'ov/base_AP50', 'ov/all_AP50'} <= set(metrics)
    model.eval()
    with torch.no_grad():
        preds = model(**model.data_preprocessor(next(iter(runner.val_dataloader)), False), mode='predict')
    assert all(torch.isfinite(p.pred_instances.scores).all() for p in preds)


@pytest.mark.parametrize('row', ['none', 'object', 'object-block', 'pyramid'])
def test_ablation_rows_are_level_switches(row, data, tmp_path):
    cfg = small_cfg(CONFIG[row], data, tmp_path)
    init_default_scope('mmkd')
    model = MODELS.build(cfg.model)
    model.init_weights()
    loader = Runner.build_dataloader(cfg.train_dataloader)
    model.train()
    batch = model.data_preprocessor(next(iter(loader)), True)
    losses = model(**batch, mode='loss')
    names = {k[len('distill.'):] for k in losses if k.startswith('distill.')}
    assert names == LOSSES.get(row, set())
    if row != 'none':
        assert set(model.distiller.heads) == {'block', 'global'} & set(model.distiller.levels)


def test_image_missing_from_the_cache_names_it_and_the_cache(data, tmp_path):
    cfg = small_cfg(CONFIG['object'], data, tmp_path)
    init_default_scope('mmkd')
    model = MODELS.build(cfg.model)
    from mmdet.structures import DetDataSample
    sample = DetDataSample(metainfo=dict(img_id=999, img_shape=(128, 128), scale_factor=(1.0, 1.0)))
    with pytest.raises(KeyError, match=f"{str(data / 'oake')!r}.*image id 999"):
        model.distiller._read([sample], torch.device('cpu'))


def test_paper_ov_coco_config_builds(tmp_path):
    classes = Config.fromfile(PAPER).classes
    assert len(classes) == 65 and set(classes) == set(OV_COCO_BASE_CLASSES) | set(OV_COCO_NOVEL_CLASSES)
    text = tmp_path / 'text.pth'
    torch.save(dict(classes=list(classes), embeddings=torch.randn(65, 512)), text)
    cfg = Config.fromfile(PAPER)
    cfg.model.student.cfg_options['roi_head.bbox_head.text_embeddings'] = str(text)
    init_default_scope('mmkd')
    model = MODELS.build(cfg.model)
    head = model.student.roi_head
    novel = [classes.index(c) for c in OV_COCO_NOVEL_CLASSES]
    assert head.bbox_head.fc_cls.novel_mask.nonzero().flatten().tolist() == sorted(novel)
    assert head.object_head.embed_dim == 512 and model.distiller.levels == ('object', 'block', 'global')
    assert model.student.backbone.depth == 50
    names = [n for n, _ in model.named_parameters()]
    assert any(n.startswith('student.roi_head.bbox_head.') for n in names)  # the lr_mult key matches
    assert cfg.train_cfg.max_iters == 40000 and cfg.train_dataloader.dataset.ann_file.endswith('ov-coco_train.json')


def test_every_oadp_config_is_tested():
    assert set(glob.glob(osp.join(ROOT, 'configs', 'oadp', '*.py'))) == set(CONFIG.values()) | {PAPER}


def test_embedded_rows_score_novel_classes_split_and_the_paper_config_joint():
    """The embedded rows collapse under the joint softmax on some seeds (README); the paper's stays ViLD's."""
    import inspect

    from mmkd.models.builder import load_model_cfg
    from mmkd.models.oadp.text_bbox_head import CLIPTextShared2FCBBoxHead
    default = inspect.signature(CLIPTextShared2FCBBoxHead).parameters['novel_scoring'].default
    assert default == 'joint'
    for path in list(CONFIG.values()) + [PAPER]:
        model = Config.fromfile(path).model
        detector = load_model_cfg(model.student, 'student') if 'student' in model else model
        scoring = detector.roi_head.bbox_head.get('novel_scoring', default)
        assert scoring == ('joint' if path == PAPER else 'split'), path
