"""tools/analysis/tinysam_int8.py: the float mIoU equals an independent SamPredictor evaluation;
the int8 rows are consistent with it."""
import json
import math
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from pycocotools.coco import COCO
from segment_anything import SamPredictor

from mmkd.datasets.embedded import generate_detection
from mmkd.models.sam.prompt_sampling import center_points_of_masks
from mmkd.models.sam import build_sam
from helpers import load_tool, tiny_timm_sam

# torch deprecates torch.ao.quantization in favour of torchao (not installed); the API still works
pytestmark = pytest.mark.filterwarnings('ignore:torch.ao.quantization is deprecated:DeprecationWarning')

# a TinySAM-style student (timm ViT encoder) at the embedded set's 128 px, as small as it gets
TINY_STUDENT = tiny_timm_sam(128)
FAST_TIMING = ['--warmup', '0', '--steps', '1', '--repeats', '2']


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    d = tmp_path_factory.mktemp('tinysam_int8')
    data_root = generate_detection(str(d / 'shapes_coco'), seed=0, num_train=4, num_val=3)
    config = d / 'student.py'
    config.write_text(f'model = {dict(type="mmkd.build_sam", **TINY_STUDENT)!r}\n')
    torch.manual_seed(0)
    sam = build_sam(**TINY_STUDENT).eval()
    # a full TinySAM checkpoint: the tool must find the student under `student.`
    checkpoint = d / 'epoch_8.pth'
    torch.save(dict(state_dict={f'student.{k}': v for k, v in sam.state_dict().items()}), checkpoint)
    return dict(sam=sam, data_root=data_root, config=str(config), checkpoint=str(checkpoint), dir=d)


def reference_miou(sam, data_root):
    """Prompt mIoU by another route: segment_anything's SamPredictor on the COCO json's masks, IoU in numpy."""
    coco = COCO(osp.join(data_root, 'annotations', 'instances_val2017.json'))
    predictor = SamPredictor(sam)
    ious = dict(point=[], box=[])
    for img_id in sorted(coco.getImgIds()):
        info = coco.loadImgs(img_id)[0]
        predictor.set_image(cv2.cvtColor(cv2.imread(osp.join(data_root, 'val2017', info['file_name'])),
                                         cv2.COLOR_BGR2RGB))
        for ann in coco.loadAnns(coco.getAnnIds(imgIds=img_id)):
            gt = coco.annToMask(ann).astype(bool)
            if not gt.any():
                continue
            ys, xs = np.nonzero(gt)
            point = center_points_of_masks(torch.from_numpy(gt)[None])[0].numpy()
            prompts = dict(point=dict(point_coords=point, point_labels=np.array([1])),
                           box=dict(box=np.array([xs.min(), ys.min(), xs.max(), ys.max()], np.float32)))
            for kind, prompt in prompts.items():
                pred = predictor.predict(**prompt, multimask_output=False)[0][0]
                union = (pred | gt).sum()
                ious[kind].append((pred & gt).sum() / union if union else 1.0)
    return {kind: 100 * float(np.mean(v)) for kind, v in ious.items()}


def test_float_and_int8_rows(setup, capsys):
    out_json = setup['dir'] / 'result.json'
    rows = load_tool('analysis/tinysam_int8').main([setup['config'], setup['checkpoint'], '--data-root', setup['data_root'],
                             '--modes', 'static', 'dynamic', '--calib-images', '3', '--batch-size', '2',
                             '--json', str(out_json), *FAST_TIMING])
    assert [r['model'] for r in rows] == ['float', 'int8 static', 'int8 dynamic']
    reference = reference_miou(setup['sam'], setup['data_root'])
    for kind in ('point', 'box'):
        # same model, same prompts by another code path: equal up to float rounding (exact here)
        assert rows[0][f'{kind}_mIoU'] == pytest.approx(reference[kind], abs=1e-6)
        for row in rows:
            assert 0 <= row[f'{kind}_mIoU'] <= 100
            assert row[f'{kind}_drop'] == pytest.approx(rows[0][f'{kind}_mIoU'] - row[f'{kind}_mIoU'])
    assert rows[0]['encoder_speedup'] == rows[0]['prompt_path_speedup'] == 1.0  # float against itself
    for row in rows:
        for key in ('encoder_ms', 'encoder_speedup', 'prompt_path_ms', 'prompt_path_speedup'):
            assert math.isfinite(row[key]) and row[key] > 0, (row['model'], key)
    printed = capsys.readouterr().out
    assert '| int8 static |' in printed and 'target >= 1.5x' in printed
    assert json.loads(out_json.read_text())['rows'] == json.loads(json.dumps(rows))


def test_bad_input_is_named(setup):
    tool = load_tool('analysis/tinysam_int8')
    common = [setup['config'], setup['checkpoint'], '--data-root', setup['data_root'], *FAST_TIMING]
    with pytest.raises(ValueError, match='--calib-images 9: the training split has only 4 images'):
        tool.main(common + ['--calib-images', '9'])
    with pytest.raises(FileNotFoundError, match='generate_embedded.py --det-only'):
        tool.main([setup['config'], setup['checkpoint'], '--data-root', str(setup['dir'] / 'missing')])
    with pytest.raises(KeyError, match="prefixes \\['teacher\\.'\\]"):
        tool.main(common + ['--prefix', 'teacher.'])
    with pytest.raises(SystemExit):
        tool.parse_args([setup['config'], setup['checkpoint'], '--repeats', '0'])
