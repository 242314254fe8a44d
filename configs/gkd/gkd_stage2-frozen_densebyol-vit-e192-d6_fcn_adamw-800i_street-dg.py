# The "teacher with the same head" row for the stronger stand-in teacher: the
# dense-BYOL ViT 192x6 (configs/foundation/densebyol-vit-e192-d6_adamw-400i_street-all.py)
# frozen under the stage-2 FCN head, as its MAE twin (same normalisation, blocks, head).
_base_ = ['./gkd_stage2-frozen_mae-vit-e192-d6_fcn_adamw-800i_street-dg.py']
model = dict(backbone=dict(ckpt='work_dirs/densebyol-vit-e192-d6_adamw-400i_street-all/iter_400.pth'))
