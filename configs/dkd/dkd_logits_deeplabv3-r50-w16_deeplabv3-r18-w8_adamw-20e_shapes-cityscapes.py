# DKD on the segmentation logits: every labelled pixel is one DKD sample, its
# target class read from the data samples' gt_sem_seg.
_base_ = ['../_base_/distill/deeplabv3-r50-w16_deeplabv3-r18-w8_shapes-cityscapes.py']
model = dict(
    distiller=dict(
        student_recorders={{_base_.seg_logits_recorders}},
        teacher_recorders={{_base_.seg_logits_recorders}},
        losses=dict(loss_dkd=dict(type='DKDLoss', alpha=1.0, beta=2.0, tau=1.0, loss_weight=1.0)),
        loss_inputs=dict(loss_dkd=dict(preds_S=('student', 'logits'), preds_T=('teacher', 'logits'),
                                       gt_labels=('data_samples', 'gt_sem_seg')))))
