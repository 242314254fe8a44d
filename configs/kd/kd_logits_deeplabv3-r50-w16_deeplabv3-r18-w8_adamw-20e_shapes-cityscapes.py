# Pixel-wise KD on the segmentation logits (softmax over the 19 classes).
_base_ = ['../_base_/distill/deeplabv3-r50-w16_deeplabv3-r18-w8_shapes-cityscapes.py']
model = dict(
    distiller=dict(
        student_recorders={{_base_.seg_logits_recorders}},
        teacher_recorders={{_base_.seg_logits_recorders}},
        losses=dict(loss_kd=dict(type='KDLoss', tau=1.0, loss_weight=1.0)),
        loss_inputs=dict(loss_kd=dict(preds_S=('student', 'logits'), preds_T=('teacher', 'logits')))))
