"""tools/deploy/export_onnx.py: a detector, a segmentor, a timm classifier and a SAM student encoder
to ONNX, each run by onnxruntime and compared with PyTorch; the tolerance decides the exit status."""
import os.path as osp

import pytest
import torch

pytest.importorskip('mmdet')
pytest.importorskip('mmseg')
pytest.importorskip('onnxruntime')

from mmengine.config import Config  # noqa: E402

from helpers import ROOT, load_tool  # noqa: E402

export_onnx = load_tool('deploy/export_onnx')
DET_DISTILL = osp.join(ROOT, 'configs/cwd/cwd_logits_retinanet-r50-w16_retinanet-r18-w8_adamw-12e_shapes-coco.py')
SEG_DISTILL = osp.join(ROOT, 'configs/cwd/cwd_logits_deeplabv3-r50-w16_deeplabv3-r18-w8_adamw-20e_shapes-cityscapes.py')
CLASSIFIER = osp.join(ROOT, 'configs/classification/resnet18-w32_adamw-10e_shapes-cls.py')
TINYSAM = osp.join(ROOT, 'configs/tinysam/tinysam_kd_sam-vit-t128_timm-vit-tiny_adam-8e_shapes-coco.py')


def student_folder(distill_cfg, folder):
    """What a distillation run leaves: student_config.py and a student-only checkpoint (random weights)."""
    from mmkd.apis.onnx_export import build_network
    from mmkd.models.student_config import student_config
    cfg_path, ckpt = str(folder / 'student_config.py'), str(folder / 'student_latest.pth')
    student_config(Config.fromfile(distill_cfg)).dump(cfg_path)
    torch.save({'meta': {}, 'state_dict': build_network(Config.fromfile(distill_cfg)).state_dict()}, ckpt)
    return cfg_path, ckpt


def run(config, ckpt, out, *extra):
    diff = export_onnx.main([config, ckpt, '--out', out, *extra])
    assert osp.isfile(out) and 0 <= diff <= 1e-3
    return diff


@pytest.mark.parametrize('distill_cfg', [DET_DISTILL, SEG_DISTILL], ids=['retinanet', 'deeplabv3'])
def test_mmdet_and_mmseg_student_folders(distill_cfg, tmp_path):
    config, ckpt = student_folder(distill_cfg, tmp_path)
    run(config, ckpt, str(tmp_path / 'student.onnx'), '--batch', '3')


def test_timm_classifier_and_the_tolerance_sets_the_exit_status(tmp_path, capsys):
    from mmkd.apis.onnx_export import build_network
    ckpt = str(tmp_path / 'cls.pth')
    torch.save({'state_dict': build_network(Config.fromfile(CLASSIFIER)).state_dict()}, ckpt)
    run(CLASSIFIER, ckpt, str(tmp_path / 'cls.onnx'))
    assert 'max abs difference' in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:  # float sums differ a little: nothing is below 0
        export_onnx.main([CLASSIFIER, ckpt, '--out', str(tmp_path / 'cls.onnx'), '--atol', '-1'])
    assert exit_info.value.code == 1


def test_sam_student_encoder_from_a_full_distillation_checkpoint(tmp_path):
    from mmkd.apis.onnx_export import build_network
    cfg = Config.fromfile(TINYSAM)
    state = {'student.' + k: v for k, v in build_network(cfg).state_dict().items()}
    state['teachers.teacher.sam.some.weight'] = torch.zeros(1)  # the teacher's keys are ignored
    ckpt = str(tmp_path / 'epoch_1.pth')
    torch.save({'state_dict': state}, ckpt)
    out = str(tmp_path / 'encoder.onnx')
    run(TINYSAM, ckpt, out, '--batch', '1')
    import onnx
    graph = onnx.load(out).graph
    assert [d.dim_value for d in graph.input[0].type.tensor_type.shape.dim][1:] == [3, 128, 128]
    assert graph.input[0].type.tensor_type.shape.dim[0].dim_param == 'batch'


def test_bad_inputs_name_the_culprit(tmp_path):
    other = str(tmp_path / 'other.pth')
    torch.save({'state_dict': {'backbone.conv.weight': torch.zeros(1)}}, other)
    with pytest.raises(KeyError, match='does not match the student'):
        export_onnx.main([CLASSIFIER, other])
    with pytest.raises(FileNotFoundError, match='checkpoint file not found'):
        export_onnx.main([CLASSIFIER, str(tmp_path / 'missing.pth')])
