# CWD on the classification logits of every FPN level (the shared head's
# `retina_cls` runs once per level; the recorder keeps all five calls and the
# distiller sums the per-level losses).
_base_ = ['../_base_/distill/retinanet-r50-w16_retinanet-r18-w8_shapes-coco.py']
model = dict(
    distiller=dict(
        student_recorders={{_base_.cls_logits_recorders}},
        teacher_recorders={{_base_.cls_logits_recorders}},
        losses=dict(loss_cwd=dict(type='ChannelWiseDivergence', tau=1.0, loss_weight=5.0)),
        loss_inputs=dict(loss_cwd=dict(preds_S=('student', 'cls'), preds_T=('teacher', 'cls')))))
