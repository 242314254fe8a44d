# ACAM-KD on the paper's COCO pair (RetinaNet R101 -> R50, 2x; paper: 37.4 ->
# 41.2 mAP) with this implementation's defaults (see README.md): five 256-channel
# FPN levels, M = 6 masks. The P3 attention is (HW)^2 = 100x136 squared per image
# at 800x1088: a GPU with memory-efficient attention is assumed.
_base_ = ['../_base_/distill/retinanet-r101_retinanet-r50_coco.py']
model = dict(
    distiller=dict(
        student_recorders={{_base_.fpn_recorders}},
        teacher_recorders={{_base_.fpn_recorders}},
        losses=dict(loss_acam=dict(type='ACAMLoss', student_channels=256, teacher_channels=256, num_masks=6,
                                   alpha=2e-5, beta=1.0)),
        loss_inputs=dict(loss_acam=dict(preds_S=('student', 'fpn'), preds_T=('teacher', 'fpn')))))
