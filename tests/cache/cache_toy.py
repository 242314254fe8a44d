"""Helpers of the cache tests: a ToyNet that reads its labels from data samples
(the cache keys samples by their metainfo), a distillation pair and batches."""
import torch
from mmengine.structures import BaseDataElement

from mmkd.models.algorithms import SingleTeacherDistill
from mmkd.registry import MODELS

ToyNet = MODELS.module_dict['ToyNet']  # registered by tests/conftest.py


@MODELS.register_module(force=True)
class ToySampleNet(ToyNet):
    """ToyNet whose data samples are ``BaseDataElement``s with a ``label`` and metainfo."""

    def forward(self, inputs, data_samples=None, mode='tensor'):
        labels = None
        if mode == 'loss':
            labels = torch.tensor([int(s.label) for s in data_samples])
        return super().forward(inputs, labels, mode)


def toy_distiller(teacher_source='neck'):
    return dict(
        type='ConfigurableDistiller',
        student_recorders=dict(feat=dict(type='ModuleOutputs', source='neck')),
        teacher_recorders=dict(feat=dict(type='ModuleOutputs', source=teacher_source),
                               logits=dict(type='ModuleOutputs', source='head')),
        connectors=dict(align=dict(type='ConvConnector', in_channels=4, out_channels=8)),
        losses=dict(loss_hint=dict(type='FitNetLoss', loss_weight=2.0),
                    loss_kd=dict(type='KDLoss', tau=2.0, loss_weight=1.0)),
        loss_inputs=dict(
            loss_hint=dict(preds_S=dict(model='student', recorder='feat', connector='align'),
                           preds_T=('teacher', 'feat')),
            loss_kd=dict(preds_S=('student', 'feat_logits'), preds_T=('teacher', 'logits'))))


def build_toy(teacher_cache=None, seed=0, **kwargs):
    """Student ToyNet(4) and teacher ToyNet(8); FitNet on the neck, KD on the logits."""
    torch.manual_seed(seed)
    distiller = toy_distiller()
    distiller['student_recorders']['feat_logits'] = dict(type='ModuleOutputs', source='head')
    return SingleTeacherDistill(student=dict(type='mmkd.ToySampleNet', width=4),
                                teacher=dict(type='mmkd.ToySampleNet', width=8),
                                distiller=distiller, teacher_cache=teacher_cache, **kwargs)


def toy_batches(num=6, batch_size=2, flip=lambda i: False, size=8):
    """Batches of ``dict(inputs, data_samples)`` as a dataloader yields them."""
    g = torch.Generator().manual_seed(1)
    images = torch.randn(num, 3, size, size, generator=g)
    batches = []
    for start in range(0, num, batch_size):
        samples, inputs = [], []
        for i in range(start, min(start + batch_size, num)):
            flipped = flip(i)
            inputs.append(images[i].flip(-1) if flipped else images[i])
            samples.append(BaseDataElement(metainfo=dict(img_id=i, img_shape=(size, size), flip=flipped,
                                                         flip_direction='horizontal' if flipped else None),
                                           label=i % 3))
        batches.append(dict(inputs=torch.stack(inputs), data_samples=samples))
    return batches


PIPELINE = [dict(type='ToyLoad'), dict(type='ToyPack')]
