# OFA-KD's ImageNet-1k pair (README example): DeiT-T teacher -> ResNet-18 student,
# eps 1.5. The teacher's ImageNet weights come from its model file (pretrained_file).
# Same wiring as the embedded-set OFA configs: 4 exit branches + the logits, OFA loss
# (eps 1.5) on each, weight 1, plus the student's label-smoothed CE.
_base_ = ['../_base_/distill/deit-t_resnet18_imagenet.py']
# the pair base records the logits; OFADistiller adds a branch per recorded student stage
model = dict(distiller=dict(
    type='OFADistiller', student_recorders=_base_.student_stage_recorders,
    stage_features=[tap['feature'] for tap in _base_.student_taps],
    teacher_dim=_base_.teacher_taps[-1]['feature']['channels'], num_classes=_base_.num_classes, eps=1.5))
