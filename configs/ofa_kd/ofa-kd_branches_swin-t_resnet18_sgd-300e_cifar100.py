# OFA-KD's CIFAR-100 pair (README example): Swin-T teacher (trained on CIFAR-100 at
# 224 px first) -> ResNet-18 student, eps 1.0.
# Same wiring as the embedded-set OFA configs: 4 exit branches + the logits, OFA loss
# (eps 1.0) on each, weight 1, plus the student's label-smoothed CE.
_base_ = ['../_base_/distill/swin-t_resnet18_cifar100.py']
# the pair base records the logits; OFADistiller adds a branch per recorded student stage
model = dict(distiller=dict(
    type='OFADistiller', student_recorders=_base_.student_stage_recorders,
    stage_features=[tap['feature'] for tap in _base_.student_taps],
    teacher_dim=_base_.teacher_taps[-1]['feature']['channels'], num_classes=_base_.num_classes, eps=1.0))
