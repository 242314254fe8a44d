# MGD on the five FPN outputs (64 channels in both models): one MGDConnector
# (random spatial mask, lambda 0.65, shared generation block) applied to every
# student level, MGDLoss alpha 2e-5 summed over the levels.
_base_ = ['../_base_/distill/retinanet-r50-w16_retinanet-r18-w8_shapes-coco.py']
model = dict(
    distiller=dict(
        student_recorders={{_base_.fpn_recorders}},
        teacher_recorders={{_base_.fpn_recorders}},
        connectors=dict(mgd=dict(type='MGDConnector', student_channels=64, teacher_channels=64,
                                 lambda_mgd=0.65)),
        losses=dict(loss_mgd=dict(type='MGDLoss', alpha_mgd=2e-5, loss_weight=1.0)),
        loss_inputs=dict(loss_mgd=dict(
            preds_S=dict(model='student', recorder='fpn', connector='mgd'),
            preds_T=('teacher', 'fpn')))))
