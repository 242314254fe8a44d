# OFA-KD's ImageNet-1k pair (README example): DeiT-T teacher -> ResNet-18 student,
# eps 1.5. The teacher's ImageNet weights come from its model file (pretrained_file).
# Same wiring as the embedded-set OFA configs: 4 exit branches + the logits, OFA loss
# (eps 1.5) on each, weight 1, plus the student's label-smoothed CE.
_base_ = ['../_base_/distill/deit-t_resnet18_imagenet.py']
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
