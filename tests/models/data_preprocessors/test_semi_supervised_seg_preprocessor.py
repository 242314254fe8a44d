"""The semi-supervised preprocessor: [x_l; u_mix] for the student, u0/u1 and the mask kept for the teachers."""
import pytest
import torch

pytest.importorskip('mmseg')

from mmengine.structures import PixelData  # noqa: E402
from mmseg.models.data_preprocessor import SegDataPreProcessor  # noqa: E402
from mmseg.structures import SegDataSample  # noqa: E402

from mmkd.models.data_preprocessors import MASK_FIELD, SOURCES_FIELD, SemiSupervisedSegDataPreProcessor  # noqa: E402

MEAN, STD = [10.0, 20.0, 30.0], [2.0, 4.0, 8.0]
SIZE = (8, 16)


def images(n, seed):
    g = torch.Generator().manual_seed(seed)
    return [torch.randint(0, 255, (3, *SIZE), generator=g, dtype=torch.uint8) for _ in range(n)]


def samples(n, labeled):
    out = []
    for i in range(n):
        s = SegDataSample(metainfo=dict(img_shape=SIZE, ori_shape=SIZE, img_path=f'img{i}.png'))
        if labeled:
            s.gt_sem_seg = PixelData(data=torch.full((1, *SIZE), i, dtype=torch.long))
        out.append(s)
    return out


def test_student_batch_is_labeled_then_mixed_and_sources_are_kept():
    pre = SemiSupervisedSegDataPreProcessor(mean=MEAN, std=STD, size=SIZE)
    x, u0, u1 = images(2, 0), images(2, 1), images(2, 2)
    data = dict(inputs=x, data_samples=samples(2, True),
                unlabeled=[dict(inputs=u0, data_samples=samples(2, False)),
                           dict(inputs=u1, data_samples=samples(2, False))])
    torch.manual_seed(0)
    out = pre(data, training=True)
    inputs, data_samples = out['inputs'], out['data_samples']
    assert inputs.shape == (4, 3, *SIZE) and len(data_samples) == 4

    def norm(img):
        return (img.float() - torch.tensor(MEAN).view(3, 1, 1)) / torch.tensor(STD).view(3, 1, 1)
    torch.testing.assert_close(inputs[0], norm(x[0]))
    assert data_samples[1].gt_sem_seg.data.unique().tolist() == [1]
    for i in range(2):
        mixed = data_samples[2 + i]
        mask = mixed.get(MASK_FIELD)
        assert mask.shape == (1, *SIZE) and 0 < mask.mean() < 1
        sources = mixed.get(SOURCES_FIELD)
        torch.testing.assert_close(sources[0], norm(u0[i]))
        torch.testing.assert_close(sources[1], norm(u1[i]))
        torch.testing.assert_close(inputs[2 + i], norm(u0[i]) * (1 - mask) + norm(u1[i]) * mask)
        assert (mixed.gt_sem_seg.data == 255).all()  # no labels: the supervised loss skips it


def test_batches_without_unlabeled_are_plain_seg_preprocessing():
    pre = SemiSupervisedSegDataPreProcessor(mean=MEAN, std=STD, size=SIZE)
    plain = SegDataPreProcessor(mean=MEAN, std=STD, size=SIZE)
    x = images(2, 3)
    ours = pre(dict(inputs=x, data_samples=samples(2, True)), training=False)
    ref = plain(dict(inputs=x, data_samples=samples(2, True)), training=False)
    torch.testing.assert_close(ours['inputs'], ref['inputs'])


def test_mismatched_sizes_are_named():
    pre = SemiSupervisedSegDataPreProcessor(mean=MEAN, std=STD, size_divisor=4)  # no common padded size
    small = [torch.zeros(3, 4, 4, dtype=torch.uint8)] * 2
    data = dict(inputs=images(2, 0), data_samples=samples(2, True),
                unlabeled=[dict(inputs=small, data_samples=samples(2, False))] * 2)
    with pytest.raises(ValueError, match='one padded size'):
        pre(data, training=True)
