# Baseline for GKD stage 1, F2F: channel-wise distillation (Shu et al., ICCV
# 2021) of the patch tokens laid out as 8x16 maps, after a 1x1 conv from the
# student's width to the teacher's; tau 4, weight 3 (the CWD paper's
# segmentation setting); no masked view.
_base_ = ['../_base_/distill/gkd_mae-vit-e192-d6_vit-e128-d4_street.py']
student_tokens = dict(layout='nlc', channels=128, grid=(8, 16), prefix=1)
teacher_tokens = dict(layout='nlc', channels=192, grid=(8, 16), prefix=1)
model = dict(
    student=dict(mask_sample_ratio=0.0),
    distiller=dict(
        _delete_=True, type='mmkd.ConfigurableDistiller',
        student_recorders={{_base_.token_recorder}}, teacher_recorders={{_base_.token_recorder}},
        connectors=dict(student_map=dict(type='HeteroHintConnector', student=student_tokens, teacher=teacher_tokens),
                        teacher_map=dict(type='TokensToMap', feature=teacher_tokens)),
        losses=dict(loss_cwd=dict(type='ChannelWiseDivergence', tau=4.0, loss_weight=3.0)),
        loss_inputs=dict(loss_cwd=dict(preds_S=dict(model='student', recorder='tokens', connector='student_map'),
                                       preds_T=dict(model='teacher', recorder='tokens', connector='teacher_map')))))
