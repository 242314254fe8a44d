# FitNet hints on all 4 stages (as OFAKD's FitNet), weight 1 each, plus the student's CE.
# Across families a stage is brought to the teacher stage's map shape: tokens to a
# map, grid resized, 1x1 regressor (HeteroHintConnector); teacher tokens become maps.
# StageHintDistiller writes that wiring (stage<k> recorders, hint<k> / teacher_map<k>
# connectors, loss_hint<k>) from the pair's stage taps.
_base_ = ['../_base_/distill/resnet18_resmlp-e96-b4_shapes-cls.py']
model = dict(distiller=dict(_delete_=True, type='StageHintDistiller', student_stages=_base_.student_taps,
                            teacher_stages=_base_.teacher_taps, loss=dict(type='FitNetLoss', loss_weight=1.0)))
