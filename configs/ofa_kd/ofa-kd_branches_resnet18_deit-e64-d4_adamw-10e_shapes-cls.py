# OFA-KD: an exit branch on each of the student's 4 stages projects it to logits;
# the branches and the student's own logits learn the teacher's logits through the
# OFA loss with target enhancement eps (one value for all, as the reference's
# single --ofa-eps). Loss weights: CE 1 (the student's own), logits 1, branches 1 each.
_base_ = ['../_base_/distill/resnet18_deit-e64-d4_shapes-cls.py']
# the pair base records the logits; OFADistiller adds a branch per recorded student stage
model = dict(distiller=dict(
    type='OFADistiller', student_recorders=_base_.student_stage_recorders,
    stage_features=[tap['feature'] for tap in _base_.student_taps],
    teacher_dim=_base_.teacher_taps[-1]['feature']['channels'], num_classes=_base_.num_classes, eps=1.5))
