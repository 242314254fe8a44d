"""tools/analysis/style_invariance.py on a generated street DG tree and the GKD stage-2 config (random ViT)."""
import glob
import os
import os.path as osp
import shutil

import pytest

pytest.importorskip('mmseg')

from helpers import ROOT, load_tool  # noqa: E402

from mmkd.datasets.embedded import generate_street_domains  # noqa: E402

style_invariance = load_tool('analysis/style_invariance')
STAGE2 = osp.join(ROOT, 'configs/gkd/gkd_stage2-frozen_vit-e128-d4_fcn_adamw-800i_street-dg.py')


@pytest.fixture()
def dg_root(tmp_path):
    root = str(tmp_path / 'street_dg')
    generate_street_domains(root, seed=0, num_train=1, num_val=3)
    # the photo domain becomes an exact copy of the source: every feature must be unchanged there
    for src in glob.glob(osp.join(root, 'synthetic', 'leftImg8bit', 'val', '*', '*.png')):
        shutil.copyfile(src, src.replace(f'{os.sep}synthetic{os.sep}', f'{os.sep}photo{os.sep}'))
    return root


def test_identical_rendering_is_fully_invariant_and_the_baseline_is_not(dg_root):
    results = style_invariance.main([STAGE2, '--data-root', dg_root + '/', '--frames', '3'])
    assert set(results) == {'photo', 'night', 'fog'}
    assert len(results['photo']) == 4  # the frozen ViT's four block outputs
    for level in results['photo']:
        assert level['same'] == pytest.approx(1.0, abs=1e-5)
        assert level['other'] < 0.999
    for level in results['night']:
        assert level['same'] < 0.999  # another appearance moves random features


def test_domains_that_render_other_frames_are_refused(dg_root):
    stem = osp.basename(sorted(glob.glob(osp.join(dg_root, 'fog', 'leftImg8bit', 'val', '*', '*.png')))[0])
    stem = stem[:-len('_leftImg8bit.png')]
    for path in glob.glob(osp.join(dg_root, 'fog', '*', 'val', '*', stem + '_*.png')):  # image and labels
        os.rename(path, path.replace(stem, stem + '9'))
    with pytest.raises(ValueError, match="'synthetic' and 'fog' differ"):
        style_invariance.main([STAGE2, '--data-root', dg_root + '/', '--frames', '3'])


def test_too_few_frames_name_the_domain_folder(dg_root):
    with pytest.raises(ValueError, match="domain 'synthetic' has 3 val images"):
        style_invariance.main([STAGE2, '--data-root', dg_root + '/', '--frames', '5'])
