"""tools/analysis/feature_diff.py on the repository's distillation configs, unchanged, with random weights.

The difference it reports is checked against features taken independently by
forward hooks on the two necks; the masks of FGD (GT foreground) and MGD
(random generation mask) appear; a full distillation checkpoint is loaded.
"""
import os.path as osp

import pytest
import torch

pytest.importorskip('mmdet')

from helpers import ROOT, load_tool  # noqa: E402

feature_diff = load_tool('analysis/feature_diff')
FGD = osp.join(ROOT, 'configs/fgd/fgd_fpn_retinanet-r50-w16_retinanet-r18-w8_adamw-12e_shapes-coco.py')
MGD = osp.join(ROOT, 'configs/mgd/mgd_fpn_retinanet-r50-w16_retinanet-r18-w8_adamw-12e_shapes-coco.py')
CWD_LOGITS = osp.join(ROOT, 'configs/cwd/cwd_logits_retinanet-r50-w16_retinanet-r18-w8_adamw-12e_shapes-coco.py')
NO_TEACHER_CKPT = ['--cfg-options', 'model.teacher.ckpt=None']


def is_png(path):
    with open(path, 'rb') as f:
        return f.read(8) == b'\x89PNG\r\n\x1a\n'


def test_fgd_difference_matches_hooked_features_and_shows_the_gt_mask(det_root, tmp_path, monkeypatch):
    necks = {}
    real_record = feature_diff.record

    def keep(name):
        def hook(module, inputs, output):
            necks[name] = output[0].clone()
        return hook

    def record_with_hooks(model, batch, annotated):  # take the level-0 FPN maps with our own hooks
        handles = [m.neck.register_forward_hook(keep(k))
                   for k, m in (('student', model.student), ('teacher', model.teachers['teacher']))]
        try:
            return real_record(model, batch, annotated)
        finally:
            for h in handles:
                h.remove()
    monkeypatch.setattr(feature_diff, 'record', record_with_hooks)
    # a full distillation checkpoint: every weight from the file, the FGD loss's GcBlocks included
    cfg = feature_diff.Config.fromfile(FGD)
    cfg.model.teacher.ckpt = None
    model = feature_diff.build_algorithm(cfg, None)
    for p in model.distiller.parameters():
        torch.nn.init.constant_(p, 0.01)
    ckpt = str(tmp_path / 'epoch_1.pth')
    torch.save({'state_dict': model.state_dict()}, ckpt)

    out = str(tmp_path / 'fgd.png')
    summary = feature_diff.main([FGD, ckpt, '--data-root', det_root, '--num-images', '2', '--out', out,
                                 *NO_TEACHER_CKPT])
    assert is_png(out)
    s, t = necks['student'], necks['teacher']
    expected = ((s - t) ** 2).mean((1, 2, 3))
    assert summary['loss_fgd']['mse'] == pytest.approx(expected.tolist(), rel=1e-5)
    assert summary['loss_fgd']['student'] == tuple(s.shape) == (2, 64, 16, 16)
    assert summary['loss_fgd']['masks'] == ['FGDLoss foreground']


def test_mgd_random_mask_and_image_files(det_root, tmp_path):
    out = str(tmp_path / 'mgd.png')
    summary = feature_diff.main([MGD, '--data-root', det_root, '--indices', '1', '--out', out, *NO_TEACHER_CKPT])
    assert is_png(out) and summary['loss_mgd']['masks'] == ['MGDConnector mask (kept=1)']
    # image files through the test pipeline, no annotations: logits of the classification head, 5 levels -> one
    image = osp.join(det_root, 'val2017', '000000000001.jpg')
    summary = feature_diff.main([CWD_LOGITS, '--images', image, '--level', '4', '--out', out, *NO_TEACHER_CKPT])
    assert summary['loss_cwd']['student'][0] == 1 and summary['loss_cwd']['masks'] == []


def test_bad_inputs_name_the_culprit(det_root, tmp_path):
    plain = osp.join(ROOT, 'configs/detection/retinanet-r18-w8_adamw-12e_shapes-coco.py')
    with pytest.raises(KeyError, match='has no distiller'):
        feature_diff.main([plain, '--data-root', det_root])
    with pytest.raises(FileNotFoundError, match='no image file'):
        feature_diff.main([CWD_LOGITS, '--images', str(tmp_path / 'none.jpg'), *NO_TEACHER_CKPT])
    with pytest.raises(IndexError, match=r'indices \[99\] outside'):
        feature_diff.main([CWD_LOGITS, '--data-root', det_root, '--indices', '99', *NO_TEACHER_CKPT])
    with pytest.raises(ValueError, match='no loss comparing'):
        feature_diff.main([CWD_LOGITS, '--data-root', det_root, '--losses', 'loss_none', *NO_TEACHER_CKPT])
