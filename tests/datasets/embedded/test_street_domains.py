"""Street domains: same scene and label map for a seed, different appearance."""
import numpy as np
import pytest

from mmkd.datasets.embedded import STREET_DOMAINS, generate_street_domains, render_street_domain
from mmkd.datasets.embedded.seeding import item_rng
from mmkd.datasets.embedded.street import render_street_scene


def render(domain, index=0):
    return render_street_domain(item_rng(0, 'segmentation', 'train', index), 64, 128, domain)


@pytest.mark.parametrize('index', [0, 1])
def test_domains_share_labels_and_differ_in_appearance(index):
    out = {d: render(d, index) for d in STREET_DOMAINS}
    labels = out['synthetic'][1]
    for domain, (image, lab) in out.items():
        assert image.shape == (64, 128, 3) and image.dtype == np.uint8
        np.testing.assert_array_equal(lab, labels, err_msg=domain)
    images = {d: out[d][0].astype(np.float32) for d in STREET_DOMAINS}
    for i, a in enumerate(STREET_DOMAINS):
        for b in STREET_DOMAINS[i + 1:]:
            assert np.abs(images[a] - images[b]).mean() > 10, (a, b)
    # what makes each domain what it is
    road = labels == 0
    assert images['synthetic'][road].std(0).mean() < images['photo'][road].std(0).mean()  # flat vs textured
    assert images['night'].mean() < 0.6 * images['photo'].mean()  # low light
    grey = images['fog'].mean(2)
    assert np.abs(np.diff(grey, axis=1)).mean() < np.abs(np.diff(images['photo'].mean(2), axis=1)).mean()  # blur


def test_photo_domain_is_the_default_street_set():
    image, labels = render('photo', 3)
    ref_image, ref_labels = render_street_scene(item_rng(0, 'segmentation', 'train', 3), 64, 128)
    np.testing.assert_array_equal(image, ref_image)
    np.testing.assert_array_equal(labels, ref_labels)


def test_generate_writes_each_domain_in_cityscapes_layout(tmp_path):
    roots = generate_street_domains(str(tmp_path), seed=0, domains=('synthetic', 'night'), num_train=2, num_val=1,
                                    image_size=(32, 64))
    names = {d: sorted(p.relative_to(tmp_path / d) for p in (tmp_path / d).rglob('*.png')) for d in roots}
    assert names['synthetic'] == names['night'] and len(names['night']) == 6
    assert any(str(p).startswith('gtFine/val/') and p.name.endswith('_gtFine_labelTrainIds.png')
               for p in names['night'])
    with pytest.raises(ValueError, match='unknown street domain'):
        render_street_domain(item_rng(0, 'segmentation', 'train', 0), 32, 64, 'rain')
