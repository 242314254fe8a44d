# CWD on the segmentation logits (decode_head.conv_seg), tau 1, weight 3.
_base_ = ['../_base_/distill/deeplabv3-r50-w16_deeplabv3-r18-w8_shapes-cityscapes.py']
model = dict(
    distiller=dict(
        student_recorders={{_base_.seg_logits_recorders}},
        teacher_recorders={{_base_.seg_logits_recorders}},
        losses=dict(loss_cwd=dict(type='ChannelWiseDivergence', tau=1.0, loss_weight=3.0)),
        loss_inputs=dict(loss_cwd=dict(preds_S=('student', 'logits'), preds_T=('teacher', 'logits')))))
