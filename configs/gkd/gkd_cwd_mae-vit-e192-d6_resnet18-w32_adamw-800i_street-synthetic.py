# Baseline for GKD stage 1, F2L: channel-wise distillation (see the F2F
# config) with the CNN student.
_base_ = ['./gkd_cwd_mae-vit-e192-d6_vit-e128-d4_adamw-800i_street-synthetic.py']
model = dict(student={{_base_.resnet_student_unmasked}},
             distiller=dict(connectors=dict(student_map=dict(student=dict(channels=256)))))
