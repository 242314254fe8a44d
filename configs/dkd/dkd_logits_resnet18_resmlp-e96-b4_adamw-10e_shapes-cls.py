# DKD on the classification logits with the paper's CIFAR-100 setting (alpha 1,
# beta 8, tau 4), the KD term ramped up linearly over the first epoch (50 iterations)
# as the paper's warm-up; labels from the data samples. The pair base records both
# models' logits.
_base_ = ['../_base_/distill/resnet18_resmlp-e96-b4_shapes-cls.py']
model = dict(distiller=dict(
    losses=dict(loss_dkd=dict(type='DKDLoss', alpha=1.0, beta=8.0, tau=4.0, loss_weight=1.0)),
    loss_inputs=dict(loss_dkd=dict(preds_S=('student', 'logits'), preds_T=('teacher', 'logits'),
                                   gt_labels=('data_samples', 'gt_label')))))
custom_hooks = [
    dict(type='mmkd.StudentCheckpointHook'),
    dict(type='mmkd.DistillLossWeightScheduleHook', schedules=dict(loss_dkd=dict(warmup=50))),
]
