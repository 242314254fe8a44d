# PKD (Pearson correlation) on the five FPN outputs.
_base_ = ['../_base_/distill/retinanet_r50-w16_retinanet_r18-w8_shapes.py']
model = dict(
    distiller=dict(
        _delete_=True,
        type='ConfigurableDistiller',
        student_recorders={{_base_.fpn_recorders}},
        teacher_recorders={{_base_.fpn_recorders}},
        losses=dict(loss_pkd=dict(type='PKDLoss', loss_weight=6.0)),
        loss_inputs=dict(loss_pkd=dict(preds_S=('student', 'fpn'), preds_T=('teacher', 'fpn')))))
