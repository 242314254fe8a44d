# The same F2L stage-1 run as its dense-BYOL twin, with the style-twins dense-BYOL teacher
# (configs/foundation/densebyol-twins-vit-e192-d6_adamw-400i_street-all.py).
_base_ = ['./gkd_cwd_densebyol-vit-e192-d6_resnet18-w32_adamw-800i_street-synthetic.py']
model = dict(teacher=dict(checkpoint='work_dirs/densebyol-twins-vit-e192-d6_adamw-400i_street-all/iter_400.pth'))
