# ACAM-KD on the last backbone stage: the student's 64 channels are aligned to
# the teacher's 512 by a 1x1 conv connector (phi); cross-attention over the 16x32
# tokens (output stride 8 on 128x256 inputs), 6 mask units. alpha 1e-5:
# alpha * L_distill is 1.8 at init (batch of 8, trained teacher), the task loss 2.9.
_base_ = ['../_base_/distill/deeplabv3-r50-w16_deeplabv3-r18-w8_shapes-cityscapes.py']
model = dict(
    distiller=dict(
        student_recorders=dict(c5=dict(type='ModuleOutputs', source='backbone.layer4')),
        teacher_recorders=dict(c5=dict(type='ModuleOutputs', source='backbone.layer4')),
        connectors=dict(align=dict(type='ChannelAlignConnector', student_channels=64, teacher_channels=512)),
        losses=dict(loss_acam=dict(type='ACAMLoss', student_channels=64, teacher_channels=512, num_masks=6,
                                   qk_ratio=0.5, alpha=1e-5, beta=1.0, mask_mode='spatial_channel',
                                   mask_source='fused', loss_weight=1.0)),
        loss_inputs=dict(loss_acam=dict(preds_S=('student', 'c5'), preds_T=('teacher', 'c5'),
                                        aligned_S=dict(model='student', recorder='c5', connector='align')))))
