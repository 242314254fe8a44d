# The same stage-1 run as its MAE twin, with the stronger stand-in teacher:
# the ViT 192x6 after dense self-distillation (BYOL per place) across views and styles
# (configs/foundation/densebyol-vit-e192-d6_adamw-400i_street-all.py).
_base_ = ['./gkd_qsd-mask_mae-vit-e192-d6_vit-e128-d4_adamw-800i_street-synthetic.py']
model = dict(teacher=dict(checkpoint='work_dirs/densebyol-vit-e192-d6_adamw-400i_street-all/iter_400.pth'))
