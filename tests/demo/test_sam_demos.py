"""demo/sam_everything_demo.py and demo/sam_prompt_demo.py write PNGs whose mask colouring is where the masks are."""
import cv2
import numpy as np
import pytest
import torch

from mmkd.apis.sam_drawing import draw_prompts, overlay_masks, upscale_image
from mmkd.models.sam import build_sam
from helpers import load_script, tiny_timm_sam

PNG_MAGIC = b'\x89PNG\r\n\x1a\n'
TINY_STUDENT = tiny_timm_sam(64)
# a random model's IoU predictions and stability fail SAM's filters; keep its masks
NO_FILTERS = dict(pred_iou_thresh=0.0, stability_score_thresh=0.0, box_nms_thresh=1.0)


def load_demo(name):
    return load_script(f'demo/{name}.py')


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp('sam_demos')
    config = d / 'student.py'
    config.write_text(f'model = {dict(type="mmkd.build_sam", **TINY_STUDENT)!r}\n')
    torch.manual_seed(0)
    checkpoint = d / 'student_epoch_1.pth'
    torch.save(dict(meta={}, state_dict=build_sam(**TINY_STUDENT).state_dict()), checkpoint)
    image = np.random.default_rng(0).integers(0, 256, (48, 64, 3), dtype=np.uint8)  # not square: resize + crop
    cv2.imwrite(str(d / 'image.png'), image)
    return dict(dir=d, config=str(config), checkpoint=str(checkpoint), image=str(d / 'image.png'), pixels=image)


def read_png(path):
    assert open(path, 'rb').read(8) == PNG_MAGIC
    return cv2.imread(path, cv2.IMREAD_COLOR)


@pytest.mark.parametrize('mode', ['hierarchical', 'dense'])
def test_everything_demo_colours_the_generated_masks(files, mode):
    out = str(files['dir'] / f'everything_{mode}.png')
    path, records = load_demo('sam_everything_demo').run_demo(
        files['image'], files['config'], files['checkpoint'], out, mode=mode, upscale=2, points_per_side=4,
        sparse_points_per_side=2, **NO_FILTERS)
    png = read_png(path)
    shown = upscale_image(files['pixels'], 2)
    assert png.shape == shown.shape == (96, 128, 3)
    assert records and all(r['segmentation'].shape == (48, 64) for r in records)
    union = upscale_image(np.any([r['segmentation'] for r in records], axis=0), 2)
    assert union.any()
    changed = (png != shown).any(-1)
    assert not changed[~union].any()  # outside every mask the image is untouched
    assert changed[union].mean() > 0.9  # inside, the colouring shows (a pixel equal to its blend is rare)
    expected = overlay_masks(shown, [upscale_image(r['segmentation'], 2) for r in records])
    np.testing.assert_array_equal(png, expected)


def test_prompt_demo_draws_the_mask_and_the_prompts(files, capsys):
    demo = load_demo('sam_prompt_demo')
    out = str(files['dir'] / 'prompt.png')
    point, bg_point, box = (40.0, 20.0), (5.0, 40.0), (10.0, 8.0, 60.0, 44.0)
    demo.main([files['image'], files['config'], files['checkpoint'], '--point', *map(str, point),
               '--bg-point', *map(str, bg_point), '--box', *map(str, box), '--out', out, '--upscale', '2'])
    assert 'wrote' in capsys.readouterr().out
    png = read_png(out)
    path, mask, score = demo.run_demo(files['image'], files['config'], files['checkpoint'], out, [point],
                                      [bg_point], box, upscale=2)
    assert mask.shape == (48, 64) and mask.dtype == bool and 0 < mask.sum() < mask.size
    shown = upscale_image(files['pixels'], 2)
    coloured = overlay_masks(shown, [upscale_image(mask, 2)])
    expected = draw_prompts(coloured, np.array([point, bg_point]), np.array([1, 0]), np.array(box), scale=2)
    np.testing.assert_array_equal(png, expected)
    assert (coloured != shown).any(-1)[upscale_image(mask, 2)].mean() > 0.9


def test_prompt_demo_refuses_bad_prompts(files):
    demo = load_demo('sam_prompt_demo')
    with pytest.raises(ValueError, match='at least one prompt'):
        demo.prompt_arrays()
    with pytest.raises(ValueError, match='background points alone'):
        demo.prompt_arrays(bg_points=[(1, 2)])
    with pytest.raises(ValueError, match='X1 > X0'):
        demo.prompt_arrays(box=(10, 10, 5, 20))
    with pytest.raises(ValueError, match=r'\(80.0, 10.0\).*outside the 64x48 image'):
        demo.run_demo(files['image'], files['config'], files['checkpoint'], str(files['dir'] / 'x.png'),
                      points=[(80, 10)])
    with pytest.raises(FileNotFoundError, match='image not found'):
        demo.run_demo(str(files['dir'] / 'none.png'), files['config'], files['checkpoint'],
                      str(files['dir'] / 'x.png'), points=[(1, 1)])
