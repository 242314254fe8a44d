"""Short real trainings of a detection and a segmentation distillation config.

Each trains one or two epochs on a tiny generated set, then checks what a user
relies on: losses are finite, the teacher is untouched, validation reports
student and teacher, the student-only checkpoint loads into plain mmdet/mmseg
with no missing or unexpected keys, and --resume continues the schedule.
"""
import os.path as osp

import pytest
import torch

pytest.importorskip('mmdet')
pytest.importorskip('mmseg')

from mmengine.runner import Runner  # noqa: E402

from helpers import ROOT, load_script, load_tool, small_cfg  # noqa: E402

DET_CFG = osp.join(ROOT, 'configs/cwd/cwd_logits_retinanet-r50-w16_retinanet-r18-w8_adamw-12e_shapes-coco.py')
DET_STUDENT = osp.join(ROOT, 'configs/detection/retinanet-r18-w8_adamw-12e_shapes-coco.py')
SEG_CFG = osp.join(ROOT, 'configs/cwd/cwd_logits_deeplabv3-r50-w16_deeplabv3-r18-w8_adamw-20e_shapes-cityscapes.py')
SEG_STUDENT = osp.join(ROOT, 'configs/segmentation/deeplabv3-r18-w8_adamw-20e_shapes-cityscapes.py')

pytestmark = pytest.mark.slow


def check_student_export(work_dir, student_model, init_fn, student_cfg):
    path = osp.join(work_dir, 'student_latest.pth')
    assert osp.isfile(path)
    payload = torch.load(path, weights_only=True)
    assert not any(k.startswith(('teacher', 'student.', 'distiller')) for k in payload['state_dict'])
    assert payload['meta']['dataset_meta']['classes']
    expected = student_model.state_dict()
    assert set(payload['state_dict']) == set(expected)
    plain = init_fn(student_cfg, path, device='cpu')
    result = plain.load_state_dict(payload['state_dict'], strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    for key, value in plain.state_dict().items():
        assert torch.equal(value, expected[key]), key


def test_detection_distillation_trains_exports_and_resumes(det_root, tmp_path):
    from mmdet.apis import init_detector
    work_dir = str(tmp_path / 'det')
    runner = Runner.from_cfg(small_cfg(DET_CFG, det_root, work_dir, 1, 'annotations/instances_val2017.json'))
    teacher_before = {k: v.clone() for k, v in runner.model.teacher.state_dict().items()}
    runner.train()
    for key, value in runner.model.teacher.state_dict().items():
        assert torch.equal(value, teacher_before[key]), f'teacher changed: {key}'
    loss = runner.message_hub.get_scalar('train/distill.loss_cwd').current()
    assert loss > 0 and torch.isfinite(torch.tensor(loss))
    metrics = runner.val()
    assert 'coco/bbox_mAP' in metrics and 'teacher/coco/bbox_mAP' in metrics
    check_student_export(work_dir, runner.model.student, init_detector, DET_STUDENT)
    # tools/export_student.py gives the same student as the hook
    exported = str(tmp_path / 'exported.pth')
    load_tool('export_student').main([osp.join(work_dir, 'epoch_1.pth'), exported])
    hook_sd = torch.load(osp.join(work_dir, 'student_latest.pth'), weights_only=True)['state_dict']
    tool_sd = torch.load(exported, weights_only=True)['state_dict']
    assert hook_sd.keys() == tool_sd.keys() and all(torch.equal(hook_sd[k], tool_sd[k]) for k in hook_sd)
    iters_per_epoch = len(runner.train_dataloader)

    # tools/test.py on the exported student with the plain student config
    test_tool = load_tool('test')
    student_metrics = test_tool.main([
        DET_STUDENT, osp.join(work_dir, 'student_latest.pth'), '--work-dir', str(tmp_path / 'test'),
        '--cfg-options', f'test_dataloader.dataset.data_root={det_root}',
        f'test_evaluator.ann_file={osp.join(det_root, "annotations/instances_val2017.json")}',
        'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False',
        'model.test_cfg.score_thr=0.0'])
    assert student_metrics['coco/bbox_mAP'] == pytest.approx(metrics['coco/bbox_mAP'])

    # demo: teacher and student side by side on one image, and one PNG per image of a folder
    import cv2
    demo = load_script('demo/image_demo.py')
    image = osp.join(det_root, 'val2017', '000000000001.jpg')
    out = str(tmp_path / 'cmp.png')
    demo.run_demo(image, DET_STUDENT, osp.join(work_dir, 'student_latest.pth'), out,
                  teacher_config=DET_STUDENT.replace('r18-w8', 'r50-w16'),
                  teacher_checkpoint=osp.join(work_dir + '_teacher.pth'), score_thr=0.0)
    canvas = cv2.imread(out)
    assert canvas is not None and canvas.shape[1] > 2 * 128  # two 128 px panels and a gap
    outputs = demo.run_demo(osp.join(det_root, 'val2017'), DET_STUDENT, osp.join(work_dir, 'student_latest.pth'),
                            str(tmp_path / 'folder'))
    assert len(outputs) == 4 and all(osp.isfile(p) for p in outputs)

    # --resume: the second run starts at epoch 1 and finishes epoch 2
    cfg = small_cfg(DET_CFG, det_root, work_dir, 2, 'annotations/instances_val2017.json')
    cfg.resume = True
    resumed = Runner.from_cfg(cfg)
    resumed.train()
    assert resumed.epoch == 2 and resumed.iter == 2 * iters_per_epoch
    assert osp.isfile(osp.join(work_dir, 'student_epoch_2.pth'))


def test_segmentation_distillation_trains_and_exports(seg_root, tmp_path):
    from mmseg.apis import init_model
    work_dir = str(tmp_path / 'seg')
    runner = Runner.from_cfg(small_cfg(SEG_CFG, seg_root, work_dir, 1))
    runner.train()
    assert runner.message_hub.get_scalar('train/distill.loss_cwd').current() > 0
    metrics = runner.val()
    assert 'mIoU' in metrics and 'teacher/mIoU' in metrics
    check_student_export(work_dir, runner.model.student, init_model, SEG_STUDENT)
