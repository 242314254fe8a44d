# PKD (Pearson correlation) on the last backbone stage of the segmentation pair:
# a 1x1 ConvConnector lifts the student's 64 channels to the teacher's 512 (PKD
# compares maps of equal shape), weight 6 as on the detection pair (the paper
# gives no segmentation setting).
_base_ = ['../_base_/distill/deeplabv3-r50-w16_deeplabv3-r18-w8_shapes-cityscapes.py']
model = dict(
    distiller=dict(
        student_recorders=dict(c5=dict(type='ModuleOutputs', source='backbone.layer4')),
        teacher_recorders=dict(c5=dict(type='ModuleOutputs', source='backbone.layer4')),
        connectors=dict(c5=dict(type='ConvConnector', in_channels=64, out_channels=512)),
        losses=dict(loss_pkd=dict(type='PKDLoss', loss_weight=6.0)),
        loss_inputs=dict(loss_pkd=dict(
            preds_S=dict(model='student', recorder='c5', connector='c5'),
            preds_T=('teacher', 'c5')))))
