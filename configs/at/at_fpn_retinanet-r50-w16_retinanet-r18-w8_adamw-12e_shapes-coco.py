# Attention transfer on the five FPN levels: one loss entry covers the pyramid
# (the distiller applies it level by level and sums). Channels may differ, so
# no connector is needed.
_base_ = ['../_base_/distill/retinanet-r50-w16_retinanet-r18-w8_shapes-coco.py']
model = dict(
    distiller=dict(
        student_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        teacher_recorders=dict(fpn=dict(type='ModuleOutputs', source='neck')),
        losses=dict(loss_at=dict(type='AttentionTransferLoss', p=2.0, loss_weight=1000.0)),
        loss_inputs=dict(loss_at=dict(preds_S=('student', 'fpn'), preds_T=('teacher', 'fpn')))))
