# Hinton KD on the classification logits (tau 4, weight 1; the student's own CE stays at 1);
# the pair base records both models' logits.
_base_ = ['../_base_/distill/resnet18_deit-e64-d4_shapes-cls.py']
model = dict(distiller=dict(
    losses=dict(loss_kd=dict(type='KDLoss', tau=4.0, loss_weight=1.0)),
    loss_inputs=dict(loss_kd=dict(preds_S=('student', 'logits'), preds_T=('teacher', 'logits')))))
