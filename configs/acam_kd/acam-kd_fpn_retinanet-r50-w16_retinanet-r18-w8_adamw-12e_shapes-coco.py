# ACAM-KD on the five FPN outputs (64 channels in both models): one ACAMLoss
# (fusion convs and 6 mask units shared over levels) applied level by level and
# summed. alpha 1e-5 puts alpha * L_distill at about 1.3 at init on this pair,
# the order of the task loss (1.8); beta 1 weighs the mask-diversity (Dice) term.
_base_ = ['../_base_/distill/retinanet-r50-w16_retinanet-r18-w8_shapes-coco.py']
model = dict(
    distiller=dict(
        student_recorders={{_base_.fpn_recorders}},
        teacher_recorders={{_base_.fpn_recorders}},
        losses=dict(loss_acam=dict(type='ACAMLoss', student_channels=64, teacher_channels=64, num_masks=6,
                                   qk_ratio=0.5, alpha=1e-5, beta=1.0, mask_mode='spatial_channel',
                                   mask_source='fused', loss_weight=1.0)),
        loss_inputs=dict(loss_acam=dict(preds_S=('student', 'fpn'), preds_T=('teacher', 'fpn')))))
