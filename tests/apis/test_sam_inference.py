"""Loading trained SAM models for tools and demos: every config kind, every checkpoint layout, clear errors."""
import os.path as osp

import pytest
import torch
from segment_anything import SamAutomaticMaskGenerator
from segment_anything.modeling import ImageEncoderViT

from mmkd.apis.sam_inference import everything_generator, load_sam_model, strip_sam_prefix
from mmkd.models.sam import HierarchicalMaskGenerator, TimmSamImageEncoder, build_sam
from helpers import ROOT, TINY_SAM_DECODER, tiny_timm_sam

TINY_STUDENT = tiny_timm_sam(64)
TINY_TEACHER = dict(img_size=64, patch_size=16, encoder_embed_dim=32, encoder_depth=1, encoder_num_heads=2,
                    encoder_global_attn_indexes=(0,), encoder_window_size=2, **TINY_SAM_DECODER)


def write_config(path, model):
    path.write_text(f'model = {model!r}\n')
    return str(path)


def random_sam(arch, seed):
    torch.manual_seed(seed)
    return build_sam(**arch)


def same_weights(a, b):
    sb = b.state_dict()
    return all(torch.equal(v, sb[k]) for k, v in a.state_dict().items())


@pytest.fixture(scope='module')
def models():
    return random_sam(TINY_STUDENT, 0), random_sam(TINY_TEACHER, 1)


@pytest.fixture(scope='module')
def files(tmp_path_factory, models):
    student, teacher = models
    d = tmp_path_factory.mktemp('sam_inference')
    out = dict(model_cfg=write_config(d / 'student.py', dict(type='mmkd.build_sam', **TINY_STUDENT)),
               distill_cfg=write_config(d / 'distill.py', dict(
                   type='mmkd.TinySAMDistill', student=dict(type='mmkd.build_sam', **TINY_STUDENT),
                   teacher=dict(type='mmkd.build_sam', **TINY_TEACHER))),
               trainer_cfg=write_config(d / 'trainer.py', dict(
                   type='mmkd.SamPromptTrainer', sam=dict(type='mmkd.build_sam', **TINY_TEACHER))))
    # the layouts of runs before TinySAM used the SAM task model (test_task_model_distillation_layouts_load_strictly
    # has the current ones): a student-only file, a full TinySAMDistill checkpoint, and a SamPromptTrainer one
    torch.save(dict(meta={}, state_dict=student.state_dict()), d / 'student_epoch_1.pth')
    full = {**{f'student.{k}': v for k, v in student.state_dict().items()},
            **{f'teacher.{k}': v for k, v in teacher.state_dict().items()}}
    torch.save(dict(state_dict=full), d / 'epoch_1.pth')
    torch.save(dict(state_dict={f'sam.{k}': v for k, v in teacher.state_dict().items()}), d / 'sam_epoch_1.pth')
    out.update({name: str(d / f'{name}.pth') for name in ('student_epoch_1', 'epoch_1', 'sam_epoch_1')})
    return out


def test_every_config_kind_and_checkpoint_layout_loads_strictly(files, models):
    student, teacher = models
    cases = [(files['model_cfg'], files['student_epoch_1'], 'student', student),
             (files['model_cfg'], files['epoch_1'], 'student', student),
             (files['distill_cfg'], files['epoch_1'], 'student', student),
             (files['distill_cfg'], files['student_epoch_1'], 'student', student),
             (files['distill_cfg'], files['epoch_1'], 'teacher', teacher),
             (files['trainer_cfg'], files['sam_epoch_1'], 'student', teacher)]
    for config, checkpoint, role, expected in cases:
        sam = load_sam_model(config, checkpoint, role=role)
        assert not sam.training, (config, checkpoint)
        assert same_weights(sam, expected), (config, checkpoint, role)
    assert same_weights(load_sam_model(files['model_cfg'], files['epoch_1'], prefix='student.'), student)


def test_task_model_distillation_layouts_load_strictly(tmp_path, models):
    """configs/tinysam/: student and teacher are SamPromptTrainer, so every file keeps the Sam under `sam.`."""
    student, teacher = models
    config = write_config(tmp_path / 'distill.py', dict(
        type='mmkd.SingleTeacherDistill',
        student=dict(type='mmkd.SamPromptTrainer', sam=dict(type='mmkd.build_sam', **TINY_STUDENT)),
        teacher=dict(type='mmkd.SamPromptTrainer', sam=dict(type='mmkd.build_sam', **TINY_TEACHER)),
        distiller=dict(type='mmkd.TinySAMDistiller')))
    full = {**{f'student.sam.{k}': v for k, v in student.state_dict().items()},
            **{f'teachers.teacher.sam.{k}': v for k, v in teacher.state_dict().items()}}
    torch.save(dict(state_dict=full), tmp_path / 'epoch_1.pth')
    torch.save(dict(meta={}, state_dict={f'sam.{k}': v for k, v in student.state_dict().items()}),
               tmp_path / 'student_epoch_1.pth')
    for checkpoint, role, expected in (('epoch_1.pth', 'student', student), ('epoch_1.pth', 'teacher', teacher),
                                       ('student_epoch_1.pth', 'student', student)):
        assert same_weights(load_sam_model(config, str(tmp_path / checkpoint), role=role), expected), checkpoint


def test_errors_name_the_file_and_what_is_wrong(files):
    with pytest.raises(KeyError, match=r"sam_epoch_1\.pth.*no SAM weights under any of the prefixes "
                                      r"\['', 'student\.'\]"):
        load_sam_model(files['distill_cfg'], files['sam_epoch_1'])
    with pytest.raises(KeyError, match=r"epoch_1\.pth.*prefixes \['sam\.'\]"):
        load_sam_model(files['model_cfg'], files['epoch_1'], prefix='sam.')
    # the teacher's weights into the student's architecture: the strict check names file and shapes
    with pytest.raises(KeyError, match=r"sam_epoch_1\.pth.*does not match"):
        load_sam_model(files['model_cfg'], files['sam_epoch_1'])
    with pytest.raises(ValueError, match='role must be one of'):
        load_sam_model(files['model_cfg'], None, role='ta')
    other = osp.join(osp.dirname(files['model_cfg']), 'retina.py')
    open(other, 'w').write("model = dict(type='mmdet.RetinaNet')\n")
    with pytest.raises(TypeError, match=r"retina\.py.*'mmdet.RetinaNet' names no SAM model"):
        load_sam_model(other, None)


def test_strip_prefix_takes_the_first_prefix_holding_model_keys():
    state = {'student.a': 1, 'teacher.a': 2, 'teacher.b': 3}
    assert strip_sam_prefix(state, ['a', 'b'], ('', 'teacher.', 'student.')) == ('teacher.', {'a': 2, 'b': 3})


def test_the_project_configs_resolve_their_models():
    tinysam = osp.join(ROOT, 'configs', 'tinysam', 'tinysam_full_sam-vit-t128_timm-vit-tiny_adam-8e_shapes-coco.py')
    teacher_run = osp.join(ROOT, 'configs', 'sam', 'sam-vit-t128_adam-8e_shapes-coco.py')
    assert isinstance(load_sam_model(tinysam).image_encoder, TimmSamImageEncoder)
    assert isinstance(load_sam_model(teacher_run).image_encoder, ImageEncoderViT)


def test_everything_generators_share_the_dense_grid(models):
    sam = models[0]
    dense = everything_generator(sam, 'dense', points_per_side=6, pred_iou_thresh=0.5)
    hier = everything_generator(sam, 'hierarchical', points_per_side=6, sparse_points_per_side=3,
                                high_score_thresh=4.0, pred_iou_thresh=0.5)
    assert type(dense) is SamAutomaticMaskGenerator and isinstance(hier, HierarchicalMaskGenerator)
    torch.testing.assert_close(torch.as_tensor(dense.point_grids[0]), torch.as_tensor(hier.point_grids[0]))
    assert dense.point_grids[0].shape == (36, 2) and hier.sparse_point_grids[0].shape == (9, 2)
    assert dense.pred_iou_thresh == hier.pred_iou_thresh == 0.5 and hier.high_score_thresh == 4.0
    with pytest.raises(ValueError, match="mode must be one of \\('hierarchical', 'dense'\\)"):
        everything_generator(sam, 'sparse')


@pytest.mark.parametrize('mode', ['dense', 'hierarchical'])
def test_single_mask_generators_decode_token_zero_once_per_point(models, mode):
    """multimask_output=False: one decoded mask per prompted point, the decoder's single-mask output."""
    import numpy as np
    sam = models[0]
    image = np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)
    shapes = []
    handle = sam.mask_decoder.register_forward_hook(lambda _m, _i, out: shapes.append(tuple(out[0].shape)))
    try:
        for multimask in (True, False):
            shapes.clear()
            gen = everything_generator(sam, mode, points_per_side=4, sparse_points_per_side=2,
                                       high_score_thresh=1e9, pred_iou_thresh=0.0, stability_score_thresh=0.0,
                                       multimask_output=multimask)
            gen.generate(image)
            assert {s[1] for s in shapes} == ({3} if multimask else {1})
            points = 16 + (4 if mode == 'hierarchical' else 0)  # nothing confident: every dense point prompted
            assert sum(s[0] for s in shapes) == points
    finally:
        handle.remove()
