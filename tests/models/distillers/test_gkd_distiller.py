"""GKD's generated wiring: the three QSD losses on the two student views, frozen teacher."""
import pytest
import torch
import torch.nn.functional as F

pytest.importorskip('timm')

from mmkd.registry import MODELS  # noqa: E402

STUDENT = dict(type='mmkd.MaskedTokenStudent', arch='vit_small_patch16_224',
               arch_cfg=dict(img_size=(32, 64), embed_dim=16, depth=1, num_heads=2),
               data_preprocessor=dict(type='ImgDataPreprocessor', mean=[0, 0, 0], std=[255, 255, 255]))
TEACHER = dict(type='mmkd.FoundationTeacher', family='timm', arch='vit_small_patch16_224',
               arch_cfg=dict(img_size=(32, 64), embed_dim=24, depth=1, num_heads=2),
               inputs=dict(type='RenormalizedInput', student_mean=(0, 0, 0), student_std=(255, 255, 255)))
N = 2 * 4


def teacher_tokens(algo, x):
    """What the algorithm feeds the teacher: the batch renormalised to its statistics."""
    return algo.teacher(algo.teacher_inputs['teacher'](x, None, algo.teacher)[0])


def build(**distiller):
    torch.manual_seed(0)
    return MODELS.build(dict(type='mmkd.SingleTeacherDistill', student=STUDENT, teacher=TEACHER,
                             distiller=dict(type='mmkd.GKDDistiller', student_channels=16, teacher_channels=24,
                                            num_patches=N, **distiller)))


def batch():
    g = torch.Generator().manual_seed(1)
    return dict(inputs=[torch.randint(0, 256, (3, 32, 64), generator=g, dtype=torch.uint8) for _ in range(4)],
                data_samples=[None] * 4)


def test_losses_views_and_frozen_teacher():
    algo = build()
    data = algo.data_preprocessor(batch(), True)
    losses = algo(data['inputs'], [object()] * 4, mode='loss')
    assert sorted(losses) == ['distill.loss_fea_cls', 'distill.loss_fea_patches', 'distill.loss_patch',
                              'distill.loss_token']
    total, _ = algo.parse_losses(losses)
    total.backward()
    assert all(p.grad is None for p in algo.teacher.parameters())
    heads = algo.distiller.connectors
    for name in ('token_head', 'fea_head', 'patch_head'):
        assert heads[name].proj_v.weight.grad is not None, name
    assert algo.student.mask_token.grad is not None  # the masked view feeds loss_patch
    assert algo.student.last_masks.sum(1).tolist() == [4, 4, 0, 0]


def test_fea_terms_sum_to_the_mse_over_the_concatenation():
    algo = build(token_weight=0.0, patch_weight=0.0)
    assert sorted(algo.distiller.losses) == ['loss_fea_cls', 'loss_fea_patches']
    assert 'tokens_masked' not in algo.distiller.recorder_cfgs['student']
    data = algo.data_preprocessor(batch(), True)
    x = data['inputs']
    losses = algo(x, [object()] * 4, mode='loss')
    with torch.no_grad():  # the reference: one MSE over [token_head(s_cls); fea_head(s_p)] vs [t_cls; t_p]
        t = teacher_tokens(algo, x)
        s = algo.student(x)
        heads = algo.distiller.connectors
        pred = torch.cat([heads['token_head'](s, t), heads['fea_head'](s, t)], dim=1)
        expected = F.mse_loss(pred, t)
    got = losses['distill.loss_fea_cls'] + losses['distill.loss_fea_patches']
    torch.testing.assert_close(got.detach(), expected)


def test_token_loss_is_zero_when_the_value_projection_gives_the_teacher_class_token():
    algo = build(fea_weight=0.0, patch_weight=0.0)
    data = algo.data_preprocessor(dict(inputs=batch()['inputs'][:1], data_samples=[None]), True)
    with torch.no_grad():
        t_cls = teacher_tokens(algo, data['inputs'])[0, 0]
        head = algo.distiller.connectors['token_head']
        head.proj_v.weight.zero_()
        head.proj_v.bias.copy_(t_cls)
    losses = algo(data['inputs'], [object()], mode='loss')
    assert list(losses) == ['distill.loss_token']
    assert losses['distill.loss_token'].item() == pytest.approx(0.0, abs=1e-12)


def test_bad_patch_count():
    with pytest.raises(ValueError, match='num_patches'):
        MODELS.build(dict(type='mmkd.GKDDistiller', student_channels=4, teacher_channels=4, num_patches=0))


def test_a_student_without_the_masked_view_is_refused_unless_l_patch_is_off():
    torch.manual_seed(0)
    for key in ('mask_sample_ratio', 'mask_patch_ratio'):
        with pytest.raises(ValueError, match=f'masked view, but the student has {key}=0.0 .*patch_weight=0'):
            MODELS.build(dict(type='mmkd.SingleTeacherDistill', student=dict(STUDENT, **{key: 0.0}), teacher=TEACHER,
                              distiller=dict(type='mmkd.GKDDistiller', student_channels=16, teacher_channels=24,
                                             num_patches=N)))
    algo = MODELS.build(dict(type='mmkd.SingleTeacherDistill', student=dict(STUDENT, mask_sample_ratio=0.0),
                             teacher=TEACHER, distiller=dict(type='mmkd.GKDDistiller', student_channels=16,
                                                             teacher_channels=24, num_patches=N, patch_weight=0)))
    data = algo.data_preprocessor(batch(), True)
    losses = algo(data['inputs'], [object()] * 4, mode='loss')  # one view: token and fea terms only
    assert sorted(losses) == ['distill.loss_fea_cls', 'distill.loss_fea_patches', 'distill.loss_token']
