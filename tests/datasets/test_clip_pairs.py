"""Caption pairs for training a small CLIP: captions, crops at the adaptive square, every category named."""
import json

import numpy as np
import pytest
import torch
from PIL import Image

from mmkd.datasets.clip_pairs import CaptionPairsDataset, CocoCaptionPairs, caption, join_names, with_article
from mmkd.structures.crops import crop_and_resize

MEAN, STD = (0.5, 0.5, 0.5), (0.25, 0.25, 0.25)


def write_coco(root, boxes_by_image, size=40):
    """PNG images with random pixels and a COCO json; boxes are (x, y, w, h, category_id)."""
    (root / 'img').mkdir(parents=True)
    rng = np.random.default_rng(0)
    images, anns = [], []
    for img_id, boxes in enumerate(boxes_by_image, start=1):
        Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(root / 'img' / f'{img_id}.png')
        images.append(dict(id=img_id, file_name=f'{img_id}.png', height=size, width=size))
        for x, y, w, h, cat in boxes:
            anns.append(dict(id=len(anns) + 1, image_id=img_id, category_id=cat, bbox=[x, y, w, h], area=w * h,
                             iscrowd=0))
    cats = [dict(id=1, name='circle'), dict(id=2, name='ring'), dict(id=3, name='hexagon')]
    (root / 'ann.json').write_text(json.dumps(dict(images=images, annotations=anns, categories=cats)))
    return str(root / 'ann.json'), str(root / 'img')


def test_captions_name_categories_with_articles():
    assert with_article('ring') == 'a ring' and with_article('hexagon') == 'a hexagon'
    assert with_article('apple') == 'an apple' and with_article('traffic_light') == 'a traffic light'
    assert join_names(['circle']) == 'a circle'
    assert join_names(['circle', 'ring', 'star']) == 'a circle, a ring and a star'
    assert caption(['ring']) == 'a photo of a ring.'
    with pytest.raises(ValueError, match='no category names'):
        join_names([])
    with pytest.raises(ValueError, match='placeholder'):
        caption(['ring'], 'a photo of a thing.')


def test_object_and_image_pairs_without_augmentation(tmp_path):
    ann, img_dir = write_coco(tmp_path, [[(4, 6, 10, 10, 2), (20, 20, 2, 2, 1)], [(10, 10, 8, 16, 3), (0, 0, 6, 6, 1)]])
    pairs = CocoCaptionPairs(ann, img_dir, 16, MEAN, STD, augment=False)
    assert pairs.classes == ('circle', 'ring', 'hexagon')
    # the 2x2 box is below min_box_size=4 and gives no pair; image 1 then shows only a ring
    assert [(it[0], it[1], it[3]) for it in pairs.items] == [
        ('objects', 0, (1,)), ('images', 0, (1,)), ('objects', 1, (2,)), ('objects', 1, (0,)),
        ('images', 1, (0, 2))]
    item = pairs[0]
    assert item['caption'] == 'a photo of a ring.' and item['label'] == 1 and item['kind'] == 'objects'
    # box (4, 6, 14, 16): area 100, square side sqrt(800) centred at (9, 11), shifted right/down inside the image
    side = 800 ** 0.5
    square = torch.tensor([[0.0, 0.0, side, side]])
    pixels = torch.from_numpy(np.asarray(Image.open(f'{img_dir}/1.png').convert('RGB')).copy()).permute(2, 0, 1)
    normalised = (pixels.float() / 255 - 0.5) / 0.25
    torch.testing.assert_close(item['image'], crop_and_resize(normalised, square, 16)[0])
    whole = pairs[4]
    assert whole['caption'] == 'a photo of a circle and a hexagon.' and whole['label'] == -1
    assert whole['image'].shape == (3, 16, 16)


def test_augmented_draws_vary_and_kinds_filter(tmp_path):
    ann, img_dir = write_coco(tmp_path, [[(4, 6, 10, 10, 2), (22, 20, 12, 12, 1)]])
    pairs = CocoCaptionPairs(ann, img_dir, 16, MEAN, STD, kinds=('images',), augment=True)
    assert len(pairs) == 1
    torch.manual_seed(0)
    captions = {pairs[0]['caption'] for _ in range(40)}
    assert {'a photo of a circle and a ring.', 'a photo of a ring and a circle.'} <= captions
    with pytest.raises(ValueError, match='kinds'):
        CocoCaptionPairs(ann, img_dir, 16, MEAN, STD, kinds=('boxes',))
    with pytest.raises(FileNotFoundError, match='nope.json'):
        CocoCaptionPairs(str(tmp_path / 'nope.json'), img_dir, 16, MEAN, STD)


def test_runner_dataset_packs_items_under_data_root(tmp_path):
    from mmengine.dataset import default_collate

    from mmkd.registry import DATASETS
    write_coco(tmp_path, [[(4, 6, 10, 10, 2)], [(10, 10, 8, 16, 3)]])
    dataset = DATASETS.build(dict(type='mmkd.CaptionPairsDataset', data_root=str(tmp_path), ann_file='ann.json',
                                  img_dir='img', image_size=16, mean=MEAN, std=STD, kinds=('objects',),
                                  augment=False))
    plain = CocoCaptionPairs(str(tmp_path / 'ann.json'), str(tmp_path / 'img'), 16, MEAN, STD, kinds=('objects',),
                             augment=False)
    assert isinstance(dataset, CaptionPairsDataset) and dataset.metainfo == dict(classes=plain.classes)
    batch = default_collate([dataset[0], dataset[1]])
    assert batch['inputs'].shape == (2, 3, 16, 16)
    torch.testing.assert_close(batch['inputs'][1], plain[1]['image'])
    assert batch['data_samples']['caption'] == ['a photo of a ring.', 'a photo of a hexagon.']
    assert batch['data_samples']['label'].tolist() == [1, 2]
