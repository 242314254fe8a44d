"""MGD-SSSS wiring: pixel (per teacher, labeled + CutMix), image and region losses from the right views."""
import pytest
import torch
from mmengine.structures import BaseDataElement
from torch import nn

from mmkd.models.distillers import MultiGranularityDistiller
from mmkd.models.losses import pooled_logits_l1_loss, pseudo_label_ce_loss, region_similarity_loss


class Head(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.sep_bottleneck = nn.Conv2d(3, channels, 1)
        self.conv_seg = nn.Conv2d(channels, 4, 1)


class TinySeg(nn.Module):
    """Just the module paths of mmseg's DeepLabV3+ head that the distiller records."""

    def __init__(self, channels):
        super().__init__()
        self.decode_head = Head(channels)

    def forward(self, x):
        return self.decode_head.conv_seg(self.decode_head.sep_bottleneck(x))


def run(distiller, models, student_inputs, teacher_inputs, samples):
    with distiller.recording(['wide', 'deep']), torch.no_grad():
        teacher_out = {name: models[name](teacher_inputs) for name in ('wide', 'deep')}
    with distiller.recording(['student']):
        student_out = models['student'](student_inputs)
    return distiller.compute_losses(samples), student_out, teacher_out


@pytest.fixture
def setup():
    torch.manual_seed(0)
    models = dict(student=TinySeg(5), wide=TinySeg(7), deep=TinySeg(6))
    n = 2
    x_l, u0, u1 = torch.randn(n, 3, 7, 7), torch.randn(n, 3, 7, 7), torch.randn(n, 3, 7, 7)
    masks = torch.zeros(n, 1, 7, 7)
    masks[:, :, 2:5, 1:6] = 1
    u_mix = u0 * (1 - masks) + u1 * masks
    samples = [BaseDataElement() for _ in range(n)] + [BaseDataElement(cutmix_mask=m) for m in masks]
    return models, torch.cat([x_l, u_mix]), torch.cat([x_l, u_mix, u0, u1]), samples, masks


def test_full_wiring_matches_the_formulas(setup):
    models, student_inputs, teacher_inputs, samples, masks = setup
    distiller = MultiGranularityDistiller(teachers=['wide', 'deep'])
    distiller.prepare(models)
    losses, s_out, t_out = run(distiller, models, student_inputs, teacher_inputs, samples)
    assert sorted(losses) == sorted(f'distill.{k}' for k in (
        'loss_pixel_labeled_wide', 'loss_pixel_unlabeled_wide', 'loss_pixel_labeled_deep',
        'loss_pixel_unlabeled_deep', 'loss_image', 'loss_region'))
    s_l, s_mix = s_out[:2], s_out[2:]
    for name in ('wide', 'deep'):
        t = t_out[name]
        torch.testing.assert_close(losses[f'distill.loss_pixel_labeled_{name}'], pseudo_label_ce_loss(s_l, t[:2]))
        t_mix = t[4:6] * (1 - masks) + t[6:8] * masks
        torch.testing.assert_close(losses[f'distill.loss_pixel_unlabeled_{name}'], pseudo_label_ce_loss(s_mix, t_mix))
    # image level: the last teacher by default, on u_mix, lambda_1 = 1e-3
    torch.testing.assert_close(losses['distill.loss_image'], 1e-3 * pooled_logits_l1_loss(s_mix, t_out['deep'][2:4]))
    # region level: the first teacher's decoder feature on u_mix, lambda_2 = 100
    feat_s = models['student'].decode_head.sep_bottleneck(student_inputs[2:])
    feat_t = models['wide'].decode_head.sep_bottleneck(teacher_inputs[2:4])
    torch.testing.assert_close(losses['distill.loss_region'], 100 * region_similarity_loss(feat_s, feat_t))


def test_granularities_drop_levels(setup):
    models, student_inputs, teacher_inputs, samples, _ = setup
    distiller = MultiGranularityDistiller(teachers=['wide', 'deep'], granularities=('image', 'region'))
    distiller.prepare(models)
    losses, _, _ = run(distiller, models, student_inputs, teacher_inputs, samples)
    assert sorted(losses) == ['distill.loss_image', 'distill.loss_region']
    assert 'feature' not in distiller.recorder_cfgs['deep']  # only the region teacher records features


def test_a_teacher_fed_the_students_batch_is_named(setup):
    models, student_inputs, _, samples, _ = setup
    distiller = MultiGranularityDistiller(teachers=['wide', 'deep'])
    distiller.prepare(models)
    with pytest.raises(ValueError, match="teacher 'wide'.*CutMixSourcesInput"):
        run(distiller, models, student_inputs, student_inputs, samples)


def test_bad_configuration():
    with pytest.raises(ValueError, match='granularities'):
        MultiGranularityDistiller(teachers=['a'], granularities=('pixel', 'voxel'))
    with pytest.raises(KeyError, match='image_teacher'):
        MultiGranularityDistiller(teachers=['a'], image_teacher='b')
    with pytest.raises(ValueError, match='at least one teacher'):
        MultiGranularityDistiller(teachers=[])
