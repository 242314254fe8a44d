# GKD stage 1, F2L: the same teacher distilled into a CNN (the base config's
# resnet_student: half-width timm ResNet-18, output stride 16, its last map laid
# out as tokens); the masked view replaces the pixels of masked patches by a
# learned colour.
_base_ = ['../_base_/distill/gkd_mae-vit-e192-d6_vit-e128-d4_street.py']
model = dict(student={{_base_.resnet_student}}, distiller=dict(student_channels=256))
