# PKD (Pearson correlation) on the five FPN outputs.
_base_ = ['../_base_/distill/retinanet-r50-w16_retinanet-r18-w8_shapes-coco.py']
model = dict(
    distiller=dict(
        student_recorders={{_base_.fpn_recorders}},
        teacher_recorders={{_base_.fpn_recorders}},
        losses=dict(loss_pkd=dict(type='PKDLoss', loss_weight=6.0)),
        loss_inputs=dict(loss_pkd=dict(preds_S=('student', 'fpn'), preds_T=('teacher', 'fpn')))))
