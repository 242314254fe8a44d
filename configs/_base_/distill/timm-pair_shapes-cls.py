# What every classification pair on the embedded set shares (one file per pair then
# names its student, its teacher and the teacher's checkpoint): the data, the 10-epoch
# schedule of every student variant (alone, KD, DKD, FitNet, OFA), the stage taps of
# the 32 px timm models, and a distiller recording both models' logits, to which the
# logits methods (KD, DKD) add their loss; stage-wise methods replace it.
_base_ = [
    '../datasets/shapes_classification.py',
    '../schedules/cls_adamw_10e.py',
    '../cls_runtime.py',
    '../models/timm_stage_taps_32px.py',
]
num_classes = 16
model = dict(
    type='mmkd.SingleTeacherDistill',
    distiller=dict(type='ConfigurableDistiller', student_recorders=_base_.logits_recorders,
                   teacher_recorders=_base_.logits_recorders))

# a student-only checkpoint (no teacher, no branches/regressors) beside every full one
custom_hooks = [dict(type='mmkd.StudentCheckpointHook')]
val_cfg = dict(_delete_=True, type='mmkd.DistillValLoop', evaluate_teachers='once')
test_cfg = dict(_delete_=True, type='mmkd.DistillTestLoop', evaluate_teachers='once')
