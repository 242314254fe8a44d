# The small SAM teacher of configs/tinysam/, trained 24 epochs (1200 iterations)
# on the embedded shapes instance masks. At 8 epochs (sam-vit-t128_adam-8e_...)
# it is weaker than the ViT-Tiny student trained alone for 8 epochs (point
# mIoU 52.1 vs 56.9), and a teacher below its student teaches it nothing; the
# TinySAM teacher (SAM-H) is trained far longer than its student, too.
#   python tools/train.py configs/sam/sam-vit-t128_adam-24e_shapes-coco.py
_base_ = ['./sam-vit-t128_adam-8e_shapes-coco.py']
max_epochs = 24
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=max_epochs, T_max=max_epochs,
         eta_min_ratio=0.01, convert_to_iter_based=True),
]
