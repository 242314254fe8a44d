"""The same frame in another style, stacked as channels 3-5."""
import os.path as osp

import mmcv
import numpy as np
import pytest

from mmkd.datasets.transforms import LoadStyleTwin

STYLES = ('synthetic', 'night', 'fog')


@pytest.fixture
def styled(tmp_path):
    for i, style in enumerate(STYLES):
        folder = tmp_path / style / 'leftImg8bit' / 'train' / 'city'
        folder.mkdir(parents=True)
        mmcv.imwrite(np.full((4, 6, 3), 10 * (i + 1), np.uint8), str(folder / 'a_leftImg8bit.png'))
    return tmp_path


def results_of(root, style):
    path = osp.join(str(root), style, 'leftImg8bit', 'train', 'city', 'a_leftImg8bit.png')
    return dict(img=mmcv.imread(path), img_path=path)


def test_twin_is_another_style_of_the_same_frame(styled):
    seen = set()
    for _ in range(30):
        out = LoadStyleTwin(STYLES)(results_of(styled, 'night'))
        assert out['img'].shape == (4, 6, 6)
        assert (out['img'][..., :3] == 20).all()
        seen.add(int(out['img'][0, 0, 3]))
    assert seen == {10, 30}  # synthetic and fog, never night itself


def test_prob_zero_stacks_the_image_itself(styled):
    out = LoadStyleTwin(STYLES, prob=0.0)(results_of(styled, 'fog'))
    assert np.array_equal(out['img'][..., :3], out['img'][..., 3:])


def test_errors(styled, tmp_path):
    with pytest.raises(ValueError, match='>= 2 styles'):
        LoadStyleTwin(['synthetic'])
    bad = dict(img=np.zeros((4, 6, 3), np.uint8), img_path=str(tmp_path / 'other' / 'x.png'))
    with pytest.raises(ValueError, match='none of the styles'):
        LoadStyleTwin(STYLES)(bad)
    with pytest.raises(FileNotFoundError, match='twin'):
        LoadStyleTwin(('synthetic', 'photo'))(results_of(styled, 'synthetic'))
