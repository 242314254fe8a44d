# OFA-KD: an exit branch on each of the student's 4 stages projects it to logits;
# the branches and the student's own logits learn the teacher's logits through the
# OFA loss with target enhancement eps (one value for all, as the reference's
# single --ofa-eps). Loss weights: CE 1 (the student's own), logits 1, branches 1 each.
_base_ = ['../_base_/distill/resnet18_resmlp-e96-b4_shapes-cls.py']
ofa_eps = 1.5
student_dim = _base_.student_taps[-1]['feature']['channels']
teacher_dim = _base_.teacher_taps[-1]['feature']['channels']
outputs = ['logits'] + [f'stage{i}' for i in range(1, len(_base_.student_taps) + 1)]
model = dict(
    distiller=dict(
        _delete_=True,
        type='ConfigurableDistiller',
        student_recorders={**_base_.logits_recorders, **_base_.student_stage_recorders},
        teacher_recorders=_base_.logits_recorders,
        connectors={
            f'branch{i}': dict(type='OFABranch', feature=tap['feature'], stage=i,
                               num_stages=len(_base_.student_taps), student_dim=student_dim,
                               teacher_dim=teacher_dim, num_classes=_base_.num_classes)
            for i, tap in enumerate(_base_.student_taps, 1)},
        losses={f'loss_ofa_{name}': dict(type='OFALoss', eps=ofa_eps, loss_weight=1.0) for name in outputs},
        loss_inputs={
            f'loss_ofa_{name}': dict(
                preds_S=('student', name) if name == 'logits' else dict(
                    model='student', recorder=name, connector=name.replace('stage', 'branch')),
                preds_T=('teacher', 'logits'), data_samples='data_samples')
            for name in outputs}))
