# FitNet hints on all 4 stages (as OFAKD's FitNet), weight 1 each, plus the student's CE.
# Across families a stage is brought to the teacher stage's map shape: tokens to a
# map, grid resized, 1x1 regressor (HeteroHintConnector); teacher tokens become maps.
_base_ = ['../_base_/distill/resnet18_deit-e64-d4_shapes-cls.py']
stage_pairs = list(zip(_base_.student_taps, _base_.teacher_taps))
model = dict(
    distiller=dict(
        _delete_=True,
        type='ConfigurableDistiller',
        student_recorders=_base_.student_stage_recorders,
        teacher_recorders=_base_.teacher_stage_recorders,
        connectors={
            **{f'hint{i}': dict(type='HeteroHintConnector', student=s['feature'], teacher=t['feature'])
               for i, (s, t) in enumerate(stage_pairs, 1)},
            **{f'teacher_map{i}': dict(type='TokensToMap', feature=t['feature'])
               for i, (_, t) in enumerate(stage_pairs, 1)}},
        losses={f'loss_hint{i}': dict(type='FitNetLoss', loss_weight=1.0) for i in range(1, len(stage_pairs) + 1)},
        loss_inputs={
            f'loss_hint{i}': dict(preds_S=dict(model='student', recorder=f'stage{i}', connector=f'hint{i}'),
                                  preds_T=dict(model='teacher', recorder=f'stage{i}', connector=f'teacher_map{i}'))
            for i in range(1, len(stage_pairs) + 1)}))
