# Dense KD on the classification logits of every FPN level. RetinaNet scores
# are per-anchor sigmoids, so KD here treats the (anchors x classes) channel
# axis as a softmax over all of them at each position, as dense KD does.
_base_ = ['../_base_/distill/retinanet-r50-w16_retinanet-r18-w8_shapes-coco.py']
model = dict(
    distiller=dict(
        student_recorders={{_base_.cls_logits_recorders}},
        teacher_recorders={{_base_.cls_logits_recorders}},
        losses=dict(loss_kd=dict(type='KDLoss', tau=2.0, loss_weight=1.0)),
        loss_inputs=dict(loss_kd=dict(preds_S=('student', 'cls'), preds_T=('teacher', 'cls')))))
