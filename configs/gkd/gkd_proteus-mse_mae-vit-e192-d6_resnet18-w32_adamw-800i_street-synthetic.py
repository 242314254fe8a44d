# Baseline for GKD stage 1, F2L: Proteus-style plain token MSE (see the F2F
# config) with the CNN student.
_base_ = ['./gkd_proteus-mse_mae-vit-e192-d6_vit-e128-d4_adamw-800i_street-synthetic.py']
model = dict(student={{_base_.resnet_student_unmasked}},
             distiller=dict(connectors=dict(proj=dict(in_channels=256))))
