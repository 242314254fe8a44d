"""RPN proposals for OAKE: top-k, in the image, w, h >= 4, in original pixels; fingerprinted in the cache."""
import copy
import json

import pytest
import torch
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import DefaultScope

from mmkd.cache import CacheMismatchError
from mmkd.cache.index import CacheIndex
from mmkd.datasets import generate_detection, write_ov_split
from mmkd.models.builder import load_model_cfg
from mmkd.models.clip import CLIPTeacher
from mmkd.models.oadp import OAKEFeatureCache, RPNProposalSource, extract_oake_features
from mmkd.registry import MODELS
from helpers import REPO_ROOT, TINY_CLIP

BASE_DETECTOR = REPO_ROOT / 'configs' / 'detection' / 'faster-rcnn-r18-w8_adamw-12e_shapes-coco.py'
# the detector's test pipeline resizes by exactly 2x (128 px -> 256 px)
RESIZE_2X = [dict(type='LoadImageFromFile'),
             dict(type='mmdet.Resize', scale_factor=2.0, keep_ratio=True),
             dict(type='mmdet.LoadAnnotations', with_bbox=True),
             dict(type='mmdet.PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                                                         'scale_factor'))]


@pytest.fixture(scope='module')
def detector(tmp_path_factory):
    """Tiny generated COCO set, a 2x-resizing Faster R-CNN config and a random checkpoint of it."""
    root = tmp_path_factory.mktemp('rpn')
    data = root / 'shapes'
    generate_detection(str(data), num_train=4, num_val=2)
    ann = data / 'annotations' / 'instances_train2017.json'
    write_ov_split(str(ann), str(ann).replace('.json', '_ov_train.json'), str(ann).replace('.json', '_ov_eval.json'),
                   split='shapes')
    config = root / 'detector_2x.py'
    config.write_text(f"_base_ = [{str(BASE_DETECTOR)!r}]\n"
                      f"test_pipeline = {RESIZE_2X!r}\n"
                      f"test_dataloader = dict(dataset=dict(data_root={str(data) + '/'!r}, "
                      "pipeline=test_pipeline))\n")
    torch.manual_seed(0)
    model = MODELS.build(load_model_cfg(dict(cfg_path=str(config)), 'test detector'))
    model.init_weights()
    checkpoint = root / 'detector.pth'
    torch.save(dict(state_dict=model.state_dict()), checkpoint)
    return dict(root=root, data=data, config=str(config), checkpoint=str(checkpoint),
                ann=str(ann).replace('.json', '_ov_train.json'),
                images=json.loads(ann.read_text())['images'])


def direct_rpn(detector, img_path):
    """mmdet called by hand: the 2x pipeline, preprocessor, extract_feat, rpn_head.predict (model space)."""
    model = MODELS.build(load_model_cfg(dict(cfg_path=detector['config']), 'test detector'))
    model.load_state_dict(torch.load(detector['checkpoint'], weights_only=True)['state_dict'])
    model.eval()
    with DefaultScope.overwrite_default_scope('mmkd'):
        pipeline = Compose([t for t in copy.deepcopy(RESIZE_2X) if 'LoadAnnotations' not in t['type']])
        data = pipeline(dict(img_path=img_path, img_id=0))
    with torch.no_grad():
        batch = model.data_preprocessor(pseudo_collate([data]), False)
        result = model.rpn_head.predict(model.extract_feat(batch['inputs']), batch['data_samples'], rescale=False)
    return batch, result[0]


def test_rpn_boxes_are_top_k_inside_the_image_in_original_pixels(detector):
    source = RPNProposalSource(detector['config'], detector['checkpoint'], top_k=20)
    info = detector['images'][0]
    img_path = str(detector['data'] / 'train2017' / info['file_name'])
    batch, raw = direct_rpn(detector, img_path)
    assert batch['inputs'].shape[-2:] == (256, 256)  # model space: twice the 128 px original
    assert batch['data_samples'][0].metainfo['scale_factor'] == (2.0, 2.0)
    # hand case: the original-pixel boxes are the model-space ones / 2, w, h >= 4 px there, best 20 first
    expected = raw.bboxes / 2
    expected = expected[((expected[:, 2:] - expected[:, :2]) >= 4).all(dim=1)][:20]
    assert len(raw.bboxes) > 20 and len(expected) == 20  # the cap is what limits the count here
    got = source(img_path, info['id'], (info['height'], info['width']))
    assert got.dtype == torch.float32 and got.shape == (20, 4)
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-5)
    assert (got >= 0).all() and (got[:, [0, 2]] <= info['width']).all() and (got[:, [1, 3]] <= info['height']).all()
    assert ((got[:, 2:] - got[:, :2]) >= 4).all()
    for info in detector['images']:
        boxes = source(str(detector['data'] / 'train2017' / info['file_name']), info['id'])
        assert 0 < len(boxes) <= 20 and (boxes >= 0).all() and (boxes[:, 2:] <= 128).all()
        assert ((boxes[:, 2:] - boxes[:, :2]) >= 4).all()


def test_rpn_source_errors_name_the_file(detector, tmp_path):
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        RPNProposalSource(detector['config'], str(tmp_path / 'missing.pth'))
    retina = REPO_ROOT / 'configs' / 'detection' / 'retinanet-r18-w8_adamw-12e_shapes-coco.py'
    with pytest.raises(TypeError, match='retinanet-r18-w8.*no rpn_head'):
        RPNProposalSource(str(retina), detector['checkpoint'])
    state = torch.load(detector['checkpoint'], weights_only=True)['state_dict']
    state.pop(next(k for k in state if k.startswith('rpn_head.')))
    torch.save(state, tmp_path / 'partial.pth')
    with pytest.raises(KeyError, match='partial.pth.*missing keys'):
        RPNProposalSource(detector['config'], str(tmp_path / 'partial.pth'))


def test_rpn_cache_is_fingerprinted_apart_from_gt_jitter(detector, tmp_path):
    torch.manual_seed(0)
    teacher = CLIPTeacher(model_cfg=TINY_CLIP)
    img_dir = str(detector['data'] / 'train2017')
    options = dict(block_size=64, max_stride=32, max_images=2)

    def extract(cache, source=None):
        return extract_oake_features(teacher, detector['ann'], img_dir, str(tmp_path / cache),
                                     dict(model_cfg=TINY_CLIP), proposal_source=source, **options)

    source = RPNProposalSource(detector['config'], detector['checkpoint'], top_k=10)
    assert extract('rpn', source)['written'] == 2
    extract('jitter')
    rpn_prints = CacheIndex.load(str(tmp_path / 'rpn')).data['fingerprints']
    jitter_prints = CacheIndex.load(str(tmp_path / 'jitter')).data['fingerprints']
    assert {k for k in rpn_prints if rpn_prints[k] != jitter_prints[k]} == {'oake'}
    cache = OAKEFeatureCache(str(tmp_path / 'rpn'))
    info = sorted(detector['images'], key=lambda im: im['id'])[0]
    assert torch.equal(cache.get(info['id'])['proposals'], source(f'{img_dir}/{info["file_name"]}', info['id']))
    with pytest.raises(CacheMismatchError, match='oake'):  # resuming the RPN cache with gt-jitter
        extract('rpn')
    with pytest.raises(CacheMismatchError, match='oake'):  # or with another top-k
        extract('rpn', RPNProposalSource(detector['config'], detector['checkpoint'], top_k=5))
    state = torch.load(detector['checkpoint'], weights_only=True)['state_dict']
    state['rpn_head.rpn_cls.bias'] = state['rpn_head.rpn_cls.bias'] + 1
    torch.save(state, tmp_path / 'retrained.pth')
    other = RPNProposalSource(detector['config'], str(tmp_path / 'retrained.pth'), top_k=10)
    assert other.settings()['detector_weights'] != source.settings()['detector_weights']
    with pytest.raises(CacheMismatchError, match='oake'):  # or with other detector weights
        extract('rpn', other)
