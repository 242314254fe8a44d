# The "teacher with the same head" row for the dense-BYOL teacher trained on with
# style twins only (configs/foundation/densebyol-twins-vit-e192-d6_adamw-400i_street-all.py).
_base_ = ['./gkd_stage2-frozen_mae-vit-e192-d6_fcn_adamw-800i_street-dg.py']
model = dict(backbone=dict(ckpt='work_dirs/densebyol-twins-vit-e192-d6_adamw-400i_street-all/iter_400.pth'))
