# MGD on the last backbone stage: the MGDConnector aligns the student's 64
# channels to the teacher's 512 (1x1 conv), masks 75% of the positions and
# regenerates the teacher feature; MGDLoss alpha 2e-5.
_base_ = ['../_base_/distill/deeplabv3-r50-w16_deeplabv3-r18-w8_shapes-cityscapes.py']
model = dict(
    distiller=dict(
        student_recorders=dict(c5=dict(type='ModuleOutputs', source='backbone.layer4')),
        teacher_recorders=dict(c5=dict(type='ModuleOutputs', source='backbone.layer4')),
        connectors=dict(mgd=dict(type='MGDConnector', student_channels=64, teacher_channels=512,
                                 lambda_mgd=0.75)),
        losses=dict(loss_mgd=dict(type='MGDLoss', alpha_mgd=2e-5, loss_weight=1.0)),
        loss_inputs=dict(loss_mgd=dict(
            preds_S=dict(model='student', recorder='c5', connector='mgd'),
            preds_T=('teacher', 'c5')))))
