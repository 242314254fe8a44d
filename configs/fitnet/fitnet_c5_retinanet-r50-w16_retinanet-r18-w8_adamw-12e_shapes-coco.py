# FitNet hint on the last backbone stage: a 1x1 conv regressor maps the
# student's 64 channels to the teacher's 512.
_base_ = ['../_base_/distill/retinanet-r50-w16_retinanet-r18-w8_shapes-coco.py']
model = dict(
    distiller=dict(
        student_recorders=dict(c5=dict(type='ModuleOutputs', source='backbone.layer4')),
        teacher_recorders=dict(c5=dict(type='ModuleOutputs', source='backbone.layer4')),
        connectors=dict(regressor=dict(type='ConvConnector', in_channels=64, out_channels=512)),
        losses=dict(loss_hint=dict(type='FitNetLoss', loss_weight=1.0)),
        loss_inputs=dict(loss_hint=dict(
            preds_S=dict(model='student', recorder='c5', connector='regressor'),
            preds_T=('teacher', 'c5')))))
