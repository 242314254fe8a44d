# Baseline for GKD stage 1, F2F: plain feature distillation in the style of
# Proteus (Zhang et al., 2024): every student token (class and patches) is
# mapped to the teacher's width by Linear(LayerNorm(.)) and regressed onto the
# teacher's token with MSE; no query heads, no masked view.
_base_ = ['../_base_/distill/gkd_mae-vit-e192-d6_vit-e128-d4_street.py']
model = dict(
    student=dict(mask_sample_ratio=0.0),
    distiller=dict(
        _delete_=True, type='mmkd.ConfigurableDistiller',
        student_recorders={{_base_.token_recorder}}, teacher_recorders={{_base_.token_recorder}},
        connectors=dict(proj=dict(type='TokenProjection', in_channels=128, out_channels=192)),
        losses=dict(loss_fea=dict(type='FitNetLoss', loss_weight=1.0)),
        loss_inputs=dict(loss_fea=dict(preds_S=dict(model='student', recorder='tokens', connector='proj'),
                                       preds_T=('teacher', 'tokens')))))
